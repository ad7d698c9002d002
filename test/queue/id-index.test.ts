/**
 * Goal: get and browse by MsgId/CorrelId through the hash indexes return what a scan in
 * delivery order would: the first matching message by priority then arrival (or arrival alone
 * with MSGDLVSQ(FIFO)), browse 'next' continuing after its cursor, through table growth, drains
 * (the table resets) and backouts (a message returns to its place).
 * Method: fast-check runs random operations against the engine and a plain-array model of the
 * queue; every get's body must equal the model's answer.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { IdIndex } from '../../src/queue/id-index.js'
import { Persistence } from '../../src/queue/types.js'
import { createEngine, identifier, text } from './helpers.js'

const CORREL_KEYS = ['A', 'B', 'C'] as const

type Operation =
  | {
      readonly kind: 'put'
      readonly correl: number
      readonly priority: number
      readonly sync: boolean
    }
  | { readonly kind: 'get'; readonly correl: number }
  | { readonly kind: 'getByMsgId'; readonly pick: number }
  | { readonly kind: 'browseNext'; readonly correl: number }
  | { readonly kind: 'backout' }
  | { readonly kind: 'commit' }

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({
    kind: fc.constant('put' as const),
    correl: fc.integer({ min: 0, max: CORREL_KEYS.length }),
    priority: fc.integer({ min: 0, max: 9 }),
    sync: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('get' as const), correl: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant('getByMsgId' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('browseNext' as const), correl: fc.integer({ min: 0, max: 2 }) }),
  fc.constant({ kind: 'backout' as const }),
  fc.constant({ kind: 'commit' as const }),
)

interface ModelMessage {
  readonly body: string
  readonly sequence: number
  readonly priority: number
  readonly correl: number
  readonly msgId: string
  state: 'available' | 'putPending' | 'getPending'
}

function ordered(messages: ModelMessage[], fifo: boolean): ModelMessage[] {
  return [...messages].sort((left, right) =>
    !fifo && left.priority !== right.priority
      ? right.priority - left.priority
      : left.sequence - right.sequence,
  )
}

async function run(operations: Operation[], fifo: boolean): Promise<void> {
  const { engine } = createEngine()
  await engine.defineQueue({ name: 'Q', deliverySequence: fifo ? 'FIFO' : 'PRIORITY' })
  const connection = engine.connect()
  const handle = connection.open('Q', { input: true, output: true, browse: true })
  const model: ModelMessage[] = []
  // The handle has one browse cursor, whatever the match options: the last message browsed.
  let cursor: ModelMessage | undefined
  let sequence = 0
  for (const step of operations) {
    if (step.kind === 'put') {
      sequence++
      const msgId = `M${sequence}`
      const body = `m${sequence}`
      const correlId =
        step.correl === CORREL_KEYS.length ? undefined : identifier(CORREL_KEYS[step.correl]!)
      await handle.put(Buffer.from(body), {
        priority: step.priority,
        persistence: sequence % 2 === 0 ? Persistence.PERSISTENT : Persistence.NOT_PERSISTENT,
        correlId,
        msgId: identifier(msgId),
        syncpoint: step.sync,
      })
      const state = step.sync ? 'putPending' : 'available'
      model.push({ body, sequence, priority: step.priority, correl: step.correl, msgId, state })
    } else if (step.kind === 'commit' || step.kind === 'backout') {
      await (step.kind === 'commit' ? connection.commit() : connection.backout())
      for (let index = model.length - 1; index >= 0; index--) {
        const message = model[index]!
        const removed =
          (step.kind === 'commit' && message.state === 'getPending') ||
          (step.kind === 'backout' && message.state === 'putPending')
        if (removed) model.splice(index, 1)
        else message.state = 'available'
      }
    } else {
      const available = model.filter((message) => message.state === 'available')
      const matching =
        step.kind === 'getByMsgId'
          ? available.filter(
              (message) =>
                message.msgId === available[step.pick % Math.max(1, available.length)]?.msgId,
            )
          : available.filter((message) => message.correl === step.correl)
      let candidates = ordered(matching, fifo)
      if (step.kind === 'browseNext' && cursor !== undefined) {
        const from = cursor
        const all = ordered([...candidates.filter((message) => message !== from), from], fifo)
        candidates = all.slice(all.indexOf(from) + 1)
      }
      const expected = candidates[0]
      const options =
        step.kind === 'getByMsgId'
          ? { msgId: identifier(expected?.msgId ?? 'NOTHING') }
          : { correlId: identifier(CORREL_KEYS[step.correl]!) }
      const browse = step.kind === 'browseNext' ? ('next' as const) : undefined
      const got = await handle.get({ ...options, browse, syncpoint: browse === undefined }).then(
        (message) => text(message.body),
        () => undefined,
      )
      expect(got).toBe(expected?.body)
      if (expected === undefined) continue
      if (browse !== undefined) {
        cursor = expected
      } else {
        expected.state = 'getPending'
      }
    }
  }
}

describe('id index', () => {
  it.each([false, true])('agrees with delivery order (FIFO %s)', async (fifo) => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 100, maxLength: 400 }), (operations) =>
        run(operations, fifo),
      ),
      { numRuns: 60 },
    )
  })

  it('keeps chains consistent when slots sharing a bucket leave in any order', () => {
    const index = new IdIndex(8, 0)
    const hashes = new Uint32Array([1, 9, 17, 1, 25, 9, 3, 1])
    for (let slot = 0; slot < 8; slot++) index.add(slot, hashes[slot]!)
    expect(index.candidates(1, hashes).sort()).toEqual([0, 3, 7])
    index.delete(3, 1)
    index.delete(0, 1)
    expect(index.candidates(1, hashes)).toEqual([7])
    expect(index.candidates(9, hashes).sort()).toEqual([1, 5])
    index.delete(7, 1)
    expect(index.candidates(1, hashes)).toEqual([])
    expect(index.candidates(17, hashes)).toEqual([2])
  })
})
