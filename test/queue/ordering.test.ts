/**
 * Goal: destructive gets return messages in MQ's delivery order: highest priority first and
 * arrival order within a priority (MSGDLVSQ PRIORITY), or pure arrival order (MSGDLVSQ FIFO).
 * Method: fast-check generates interleavings of puts (random priority and persistence) and gets;
 * a reference model (a plain array) predicts each get; the engine must agree at every step.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Reason } from '../../src/errors.js'
import { Persistence } from '../../src/queue/types.js'
import { bytes, createEngine, expectReason, text } from './helpers.js'

type Command =
  | { readonly kind: 'put'; readonly priority: number; readonly persistent: boolean }
  | { readonly kind: 'get' }

const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('put' as const),
      priority: fc.integer({ min: 0, max: 9 }),
      persistent: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('get' as const) }) },
)

interface ModelMessage {
  readonly label: string
  readonly priority: number
  readonly arrival: number
}

/** The reference: index of the message MQ delivers next. */
function nextIndex(model: readonly ModelMessage[], fifo: boolean): number {
  let best = 0
  for (let index = 1; index < model.length; index++) {
    const candidate = model[index]!
    const current = model[best]!
    const better = fifo
      ? candidate.arrival < current.arrival
      : candidate.priority > current.priority ||
        (candidate.priority === current.priority && candidate.arrival < current.arrival)
    if (better) best = index
  }
  return best
}

async function runAgainstModel(commands: readonly Command[], fifo: boolean): Promise<void> {
  const { engine } = createEngine()
  await engine.defineQueue({ name: 'Q', deliverySequence: fifo ? 'FIFO' : 'PRIORITY' })
  const handle = engine.connect().open('Q', { input: true, output: true })
  const model: ModelMessage[] = []
  let arrival = 0
  for (const command of commands) {
    if (command.kind === 'put') {
      const label = `m${arrival}`
      const persistence = command.persistent ? Persistence.PERSISTENT : Persistence.NOT_PERSISTENT
      await handle.put(bytes(label), { priority: command.priority, persistence })
      model.push({ label, priority: command.priority, arrival })
      arrival++
      continue
    }
    if (model.length === 0) {
      await expectReason(handle.get(), Reason.NO_MSG_AVAILABLE)
      continue
    }
    const [expected] = model.splice(nextIndex(model, fifo), 1)
    const got = await handle.get()
    expect(text(got.body)).toBe(expected!.label)
    expect(got.descriptor.priority).toBe(expected!.priority)
  }
  expect(engine.queueStatus('Q').currentDepth).toBe(model.length)
}

describe('delivery order', () => {
  it('PRIORITY: highest priority first, arrival order within a priority (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(commandArbitrary, { maxLength: 80 }), (commands) =>
        runAgainstModel(commands, false),
      ),
      { numRuns: 150 },
    )
  })

  it('FIFO: arrival order whatever the priority (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(commandArbitrary, { maxLength: 80 }), (commands) =>
        runAgainstModel(commands, true),
      ),
      { numRuns: 100 },
    )
  })

  it('priority -1 takes the queue default (DEFPRTY) and orders by it', async () => {
    const { engine } = createEngine()
    await engine.defineQueue({ name: 'Q', defaultPriority: 5 })
    const handle = engine.connect().open('Q', { input: true, output: true })
    await handle.put(bytes('low'), { priority: 4 })
    const put = await handle.put(bytes('default'), { priority: -1 })
    expect(put.priority).toBe(5)
    await handle.put(bytes('also default'))
    expect(text((await handle.get()).body)).toBe('default')
    expect(text((await handle.get()).body)).toBe('also default')
    expect(text((await handle.get()).body)).toBe('low')
  })

  it('ALTER MSGDLVSQ applies to messages already queued', async () => {
    const { engine } = createEngine()
    await engine.defineQueue({ name: 'Q' })
    const handle = engine.connect().open('Q', { input: true, output: true })
    await handle.put(bytes('first'), { priority: 1 })
    await handle.put(bytes('second'), { priority: 9 })
    await engine.alterQueue('Q', { deliverySequence: 'FIFO' })
    expect(text((await handle.get()).body)).toBe('first')
    expect(text((await handle.get()).body)).toBe('second')
  })

  it('keeps order across many gets with tombstones in the middle (compaction)', async () => {
    const { engine } = createEngine()
    await engine.defineQueue({ name: 'Q', maxDepth: 100_000 })
    const handle = engine.connect().open('Q', { input: true, output: true })
    const ids: Uint8Array[] = []
    for (let index = 0; index < 5000; index++) {
      const put = await handle.put(bytes(`m${index}`), { persistence: Persistence.PERSISTENT })
      ids.push(put.msgId)
    }
    // Remove every odd message out of order (by MsgId), leaving tombstones behind the head.
    for (let index = 4999; index >= 1; index -= 2) {
      const got = await handle.get({ msgId: ids[index] })
      expect(text(got.body)).toBe(`m${index}`)
    }
    for (let index = 0; index < 5000; index += 2) {
      expect(text((await handle.get()).body)).toBe(`m${index}`)
    }
    expect(engine.queueStatus('Q').currentDepth).toBe(0)
  })
})
