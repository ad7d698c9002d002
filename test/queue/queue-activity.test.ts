/**
 * Goal: queueActivity's oldest put time is always that of the oldest message still on the queue
 * (CURDEPTH counts it: available, or locked by a get under syncpoint), though it is kept between
 * calls and only looked up again when that message left. Method: fast-check interleaves puts
 * (random priority, persistence, clock steps), gets (some under syncpoint, then committed or
 * backed out), clears and activity calls; a plain list of put times predicts every answer.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Persistence } from '../../src/queue/types.js'
import { bytes, createEngine, text } from './helpers.js'

type Command =
  | { readonly kind: 'put'; readonly priority: number; readonly persistent: boolean }
  | { readonly kind: 'get'; readonly syncpoint: 'none' | 'commit' | 'backout' }
  | { readonly kind: 'clear' }
  | { readonly kind: 'activity' }

const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('put' as const),
      priority: fc.integer({ min: 0, max: 9 }),
      persistent: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('get' as const),
      syncpoint: fc.constantFrom('none' as const, 'commit' as const, 'backout' as const),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'activity' as const }) },
)

async function run(commands: readonly Command[]): Promise<void> {
  const { engine, clock } = createEngine()
  await engine.defineQueue({ name: 'Q' })
  const connection = engine.connect()
  let handle = connection.open('Q', { input: true, output: true })
  /** Put time of each message on the queue, by its label. */
  const putTimes = new Map<string, number>()
  const expectActivity = () => {
    const activity = engine.queueActivity().find((queue) => queue.name === 'Q')!
    const times = [...putTimes.values()]
    expect(activity.depth).toBe(times.length)
    expect(activity.oldestPutTimeMs).toBe(times.length === 0 ? undefined : Math.min(...times))
  }
  let count = 0
  for (const command of commands) {
    clock.advance(10)
    if (command.kind === 'put') {
      const label = `m${count++}`
      const persistence = command.persistent ? Persistence.PERSISTENT : Persistence.NOT_PERSISTENT
      await handle.put(bytes(label), { persistence, priority: command.priority })
      putTimes.set(label, clock.now())
    } else if (command.kind === 'get' && putTimes.size > 0) {
      const syncpoint = command.syncpoint !== 'none'
      const label = text((await handle.get({ syncpoint })).body)
      // Locked by the unit of work, the message still counts until the commit.
      if (syncpoint) expectActivity()
      if (command.syncpoint === 'backout') await connection.backout()
      else putTimes.delete(label)
      if (command.syncpoint === 'commit') await connection.commit()
    } else if (command.kind === 'clear') {
      // CLEAR QLOCAL needs the queue closed.
      handle.close()
      await engine.clearQueue('Q')
      putTimes.clear()
      handle = connection.open('Q', { input: true, output: true })
    }
    if (command.kind === 'activity') expectActivity()
  }
  expectActivity()
}

describe('queue activity', () => {
  it('the oldest put time follows the oldest message on the queue', async () => {
    await fc.assert(fc.asyncProperty(fc.array(commandArbitrary, { maxLength: 120 }), run), {
      numRuns: 200,
    })
  })

  it('an empty queue has no oldest put time; its first message has one', async () => {
    await run([{ kind: 'activity' }, { kind: 'put', priority: 0, persistent: true }])
  })
})
