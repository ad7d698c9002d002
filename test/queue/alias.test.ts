/**
 * Goal: an alias queue (DEFINE QALIAS TARGET) resolves to its target at MQOPEN for puts and
 * gets, refuses a name used by a local queue (and the reverse), reports 2085 at open when the
 * target does not exist, and survives replay and a checkpoint restore; deleting it leaves the
 * target alone. Method: the memory-journal engine, replay and snapshot/restore.
 */
import { describe, expect, it } from 'vitest'
import { Reason } from '../../src/errors.js'
import { bytes, createEngine, expectReason, replayed, text } from './helpers.js'

describe('alias queues', () => {
  it('puts and gets through the alias reach the target', async () => {
    const { engine } = createEngine()
    await engine.defineQueue({ name: 'TARGET.Q' })
    await engine.defineQueue({ name: 'ALIAS.Q', targetQueue: 'TARGET.Q', description: 'via' })
    const handle = engine.connect().open('ALIAS.Q', { input: true, output: true })
    await handle.put(bytes('through'))
    expect(engine.queueStatus('TARGET.Q').currentDepth).toBe(1)
    expect(text((await handle.get()).body)).toBe('through')
    expect(engine.listAliases()).toMatchObject([{ name: 'ALIAS.Q', targetQueue: 'TARGET.Q' }])
    expect(engine.listQueues().map((queue) => queue.name)).toEqual(['TARGET.Q'])
  })

  it("applies the alias's own PUT(DISABLED) and GET(DISABLED), live", async () => {
    const { engine } = createEngine()
    await engine.defineQueue({ name: 'T' })
    await engine.defineQueue({ name: 'A', targetQueue: 'T', putEnabled: false })
    const viaAlias = engine.connect().open('A', { input: true, output: true })
    const direct = engine.connect().open('T', { input: true, output: true })
    await expectReason(viaAlias.put(bytes('no')), Reason.PUT_INHIBITED)
    await direct.put(bytes('yes'))
    await engine.alterQueue('A', { putEnabled: true, getEnabled: false })
    await viaAlias.put(bytes('now'))
    await expectReason(viaAlias.get(), Reason.GET_INHIBITED)
    expect(text((await direct.get()).body)).toBe('yes')
  })

  it('keeps names unique across types and checks the target at open', async () => {
    const { engine } = createEngine()
    await engine.defineQueue({ name: 'L' })
    await engine.defineQueue({ name: 'A', targetQueue: 'MISSING' })
    await expectReason(engine.defineQueue({ name: 'L', targetQueue: 'X' }, { replace: true }), 2100)
    await expectReason(engine.defineQueue({ name: 'A' }, { replace: true }), 2100)
    expect(() => engine.connect().open('A', { output: true })).toThrow(/not defined/)
    await engine.alterQueue('A', { targetQueue: 'L' })
    await engine.connect().open('A', { output: true }).put(bytes('x'))
    expect(engine.queueStatus('L').currentDepth).toBe(1)
    await engine.deleteQueue('A')
    expect(engine.listAliases()).toEqual([])
    expect(engine.queueStatus('L').currentDepth).toBe(1)
  })

  it('survives replay and checkpoint restore', async () => {
    const { engine, journal } = createEngine()
    await engine.defineQueue({ name: 'T' })
    await engine.defineQueue({ name: 'A1', targetQueue: 'T' })
    await engine.defineQueue({ name: 'A2', targetQueue: 'T' })
    await engine.deleteQueue('A2')
    const again = replayed(journal.entries)
    expect(again.engine.listAliases().map((alias) => alias.name)).toEqual(['A1'])
    const restored = createEngine({ journal })
    restored.engine.restore(engine.snapshot())
    expect(restored.engine.listAliases()).toEqual(engine.listAliases())
    await restored.engine.connect().open('A1', { output: true }).put(bytes('y'))
    expect(restored.engine.queueStatus('T').currentDepth).toBe(1)
    await expectReason(
      () => engine.connect().open('A2', { input: true }),
      Reason.UNKNOWN_OBJECT_NAME,
    )
  })
})
