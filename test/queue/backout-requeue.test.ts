/**
 * Goal: a message backed out BOTHRESH times is moved by the queue manager to BOQNAME, or to the
 * DEADQ when BOQNAME is blank or refuses it, or stays when neither takes it; the move is part of
 * the backout (no record of its own), so replay and a checkpoint restore reach the same state;
 * the moved message keeps its identifiers, body and BackoutCount, and later gets find it.
 * Method: the memory-journal engine; replay of its journal and restore of its snapshot.
 */
import { describe, expect, it } from 'vitest'
import { Persistence } from '../../src/queue/types.js'
import { bytes, createEngine, identifier, replayed, text } from './helpers.js'

const PERSISTENT = { persistence: Persistence.PERSISTENT } as const

async function setup(
  backoutRequeueQueue: string,
  persistence: Persistence = Persistence.PERSISTENT,
) {
  const test = createEngine()
  await test.engine.defineQueue({ name: 'BO' })
  await test.engine.defineQueue({ name: 'DLQ' })
  await test.engine.alterQueueManager({ deadLetterQueue: 'DLQ' })
  await test.engine.defineQueue({ name: 'Q', backoutThreshold: 2, backoutRequeueQueue })
  const connection = test.engine.connect()
  const handle = connection.open('Q', { input: true, output: true })
  await handle.put(bytes('poison'), { persistence, msgId: identifier('POISON') })
  const backOutOnce = async (): Promise<void> => {
    await handle.get({ syncpoint: true })
    await connection.backout()
  }
  return { ...test, connection, handle, backOutOnce }
}

const depths = (engine: ReturnType<typeof createEngine>['engine']) =>
  ['Q', 'BO', 'DLQ'].map((name) => engine.queueStatus(name).currentDepth)

describe('backout requeue (BOTHRESH, BOQNAME)', () => {
  it.each([Persistence.PERSISTENT, Persistence.NOT_PERSISTENT])(
    'moves the message to BOQNAME at the backout that reaches BOTHRESH (%i)',
    async (persistence) => {
      const { engine, backOutOnce } = await setup('BO', persistence)
      await backOutOnce()
      expect(depths(engine)).toEqual([1, 0, 0])
      await backOutOnce()
      expect(depths(engine)).toEqual([0, 1, 0])
      const moved = await engine
        .connect()
        .open('BO', { input: true })
        .get({ msgId: identifier('POISON') })
      expect(text(moved.body)).toBe('poison')
      expect(moved.descriptor.backoutCount).toBe(2)
    },
  )

  it('uses the DEADQ when BOQNAME is blank, and when BOQNAME refuses the message', async () => {
    const blank = await setup('')
    await blank.backOutOnce()
    await blank.backOutOnce()
    expect(depths(blank.engine)).toEqual([0, 0, 1])
    const full = await setup('BO')
    await full.engine.alterQueue('BO', { putEnabled: false })
    await full.backOutOnce()
    await full.backOutOnce()
    expect(depths(full.engine)).toEqual([0, 0, 1])
  })

  it('leaves the message when neither BOQNAME nor DEADQ takes it', async () => {
    const { engine, backOutOnce, handle } = await setup('NO.SUCH.QUEUE')
    await engine.alterQueueManager({ deadLetterQueue: '' })
    await backOutOnce()
    await backOutOnce()
    await backOutOnce()
    expect(depths(engine)).toEqual([1, 0, 0])
    expect((await handle.get()).descriptor.backoutCount).toBe(3)
  })

  it('replay and checkpoint restore make the same move, and a later get of it replays', async () => {
    const { engine, journal, backOutOnce } = await setup('BO')
    await backOutOnce()
    await backOutOnce()
    await engine.connect().open('Q', { output: true }).put(bytes('after'), PERSISTENT)
    const again = replayed(journal.entries)
    expect(depths(again.engine)).toEqual([1, 1, 0])
    const restored = createEngine({ journal })
    restored.engine.restore(engine.snapshot())
    expect(depths(restored.engine)).toEqual([1, 1, 0])
    // A GET of the moved message on BO, then its replay: found on BO by its old put LSN.
    await engine.connect().open('BO', { input: true }).get()
    const final = replayed(journal.entries)
    expect(depths(final.engine)).toEqual([1, 0, 0])
    expect(text((await final.engine.connect().open('Q', { input: true }).get()).body)).toBe('after')
  })
})
