/**
 * Goal: request ids are u32s that wrap from 2^32-1 to 1, never 0, never an id still in flight.
 * Method: fast-check sequences of allocate/complete steps against a model of the ids in flight,
 * starting anywhere including right next to the wrap.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { RequestTable } from '../../src/client/request-table.js'

const U32_MAX = 0xffff_ffff

describe('RequestTable', () => {
  it('wraps past 2^32-1 to 1, skipping 0', () => {
    const table = new RequestTable<string>(U32_MAX - 1)
    expect(table.allocateId()).toBe(U32_MAX)
    expect(table.allocateId()).toBe(1)
  })

  it('skips ids still in flight after wrapping', () => {
    const table = new RequestTable<string>(0)
    table.add(table.allocateId(), 'one') // 1 stays in flight
    table.add(2, 'two')
    const wrapped = new RequestTable<string>(U32_MAX)
    wrapped.add(1, 'one')
    wrapped.add(2, 'two')
    expect(wrapped.allocateId()).toBe(3)
    expect(table.allocateId()).toBe(3)
  })

  it('never hands out 0 or an id in flight', () => {
    const step = fc.oneof(
      fc.constant({ kind: 'allocate' as const }),
      fc.nat().map((pick) => ({ kind: 'complete' as const, pick })),
    )
    const start = fc.oneof(fc.constant(U32_MAX - 3), fc.integer({ min: 0, max: U32_MAX }))
    fc.assert(
      fc.property(start, fc.array(step, { maxLength: 200 }), (lastId, steps) => {
        const table = new RequestTable<number>(lastId)
        const inFlight = new Set<number>()
        for (const each of steps) {
          if (each.kind === 'allocate') {
            const id = table.allocateId()
            expect(id).not.toBe(0)
            expect(id).toBeLessThanOrEqual(U32_MAX)
            expect(inFlight.has(id)).toBe(false)
            table.add(id, id)
            inFlight.add(id)
          } else if (inFlight.size > 0) {
            const id = [...inFlight][each.pick % inFlight.size] as number
            expect(table.take(id)).toBe(id)
            inFlight.delete(id)
          }
          expect(table.size).toBe(inFlight.size)
        }
      }),
    )
  })
})
