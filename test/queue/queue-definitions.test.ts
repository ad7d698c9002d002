/**
 * Goal: DEFINE/ALTER/DELETE/CLEAR/DISPLAY follow MQ: defaults, LIKE, REPLACE, wildcards, status
 * counts, and queue ids that the journal carries so replay restores them and the next id.
 * Method: administration calls on an engine, then a replay of its journal where it matters.
 */
import { describe, expect, it } from 'vitest'
import { RecordType } from '../../src/actors/journal/record-types.js'
import { DEFAULT_QUEUE_SETTINGS } from '../../src/queue/queue-attributes.js'
import { Persistence } from '../../src/queue/types.js'
import { bytes, createEngine, replayed, text } from './helpers.js'

describe('queue definitions', () => {
  it("applies MQ's DEFINE QLOCAL defaults", async () => {
    const { engine } = createEngine()
    const attributes = await engine.defineQueue({ name: 'Q' })
    expect(attributes).toEqual({
      name: 'Q',
      description: '',
      maxDepth: 5000,
      maxMessageLength: 4_194_304,
      defaultPersistent: false,
      defaultPriority: 0,
      putEnabled: true,
      getEnabled: true,
      deliverySequence: 'PRIORITY',
      backoutThreshold: 0,
      backoutRequeueQueue: '',
    })
    expect(engine.queueAttributes('Q')).toEqual(attributes)
    expect({ ...DEFAULT_QUEUE_SETTINGS, name: 'Q' }).toEqual(attributes)
  })

  it('copies unnamed attributes from LIKE; REPLACE resets them to the defaults', async () => {
    const { engine } = createEngine()
    await engine.defineQueue({ name: 'MODEL', maxDepth: 7, defaultPersistent: true })
    const copy = await engine.defineQueue({ name: 'COPY', description: 'mine' }, { like: 'MODEL' })
    expect(copy).toMatchObject({ maxDepth: 7, defaultPersistent: true, description: 'mine' })
    const replaced = await engine.defineQueue({ name: 'COPY', maxDepth: 9 }, { replace: true })
    expect(replaced).toMatchObject({ maxDepth: 9, defaultPersistent: false, description: '' })
  })

  it('ALTER keeps the attributes it does not name', async () => {
    const { engine } = createEngine()
    await engine.defineQueue({ name: 'Q', maxDepth: 7, description: 'd' })
    const altered = await engine.alterQueue('Q', { defaultPriority: 4 })
    expect(altered).toMatchObject({ maxDepth: 7, description: 'd', defaultPriority: 4 })
  })

  it('lists queues by generic name, sorted', async () => {
    const { engine } = createEngine()
    for (const name of ['APP.B', 'APP.A', 'SYS.X', 'APPLE']) await engine.defineQueue({ name })
    expect(engine.listQueues('APP.*').map((queue) => queue.name)).toEqual(['APP.A', 'APP.B'])
    expect(engine.listQueues().map((queue) => queue.name)).toEqual([
      'APP.A',
      'APP.B',
      'APPLE',
      'SYS.X',
    ])
    expect(engine.listQueues('*.X').map((queue) => queue.name)).toEqual(['SYS.X'])
    expect(engine.listQueues('APP.A').map((queue) => queue.name)).toEqual(['APP.A'])
  })

  it('reports CURDEPTH, IPPROCS, OPPROCS and UNCOM', async () => {
    const { engine } = createEngine()
    await engine.defineQueue({ name: 'Q' })
    const connection = engine.connect()
    const both = connection.open('Q', { input: true, output: true })
    connection.open('Q', { output: true })
    connection.open('Q', { browse: true })
    await both.put(bytes('a'))
    await both.put(bytes('b'), { syncpoint: true })
    expect(engine.queueStatus('Q')).toEqual({
      name: 'Q',
      currentDepth: 2,
      openInputCount: 1,
      openOutputCount: 2,
      uncommittedCount: 1,
    })
    await connection.close()
    expect(engine.queueStatus('Q')).toMatchObject({
      currentDepth: 1,
      openInputCount: 0,
      openOutputCount: 0,
      uncommittedCount: 0,
    })
  })

  it('CLEAR removes every message and is journalled', async () => {
    const { engine, journal } = createEngine()
    await engine.defineQueue({ name: 'Q' })
    const handle = engine.connect().open('Q', { output: true })
    await handle.put(bytes('p'), { persistence: Persistence.PERSISTENT })
    await handle.put(bytes('n'), { persistence: Persistence.NOT_PERSISTENT })
    handle.close()
    await engine.clearQueue('Q')
    expect(engine.queueStatus('Q').currentDepth).toBe(0)
    expect(journal.entries.at(-1)!.record.type).toBe(RecordType.QUEUE_CLEAR)
    expect(replayed(journal.entries).engine.queueStatus('Q').currentDepth).toBe(0)
  })

  it('journals queue ids; replay restores them, the next id, and deletions', async () => {
    const { engine, journal } = createEngine()
    await engine.defineQueue({ name: 'A' })
    await engine.defineQueue({ name: 'B', maxDepth: 3 })
    await engine.alterQueue('A', { description: 'altered' })
    await engine.deleteQueue('B')
    const handle = engine.connect().open('A', { output: true })
    await handle.put(bytes('kept'), { persistence: Persistence.PERSISTENT })
    const recovered = replayed(journal.entries)
    expect(recovered.engine.listQueues()).toEqual(engine.listQueues())
    expect(recovered.engine.snapshot().nextQueueId).toBe(3)
    await recovered.engine.defineQueue({ name: 'B' })
    const define = recovered.journal.entries.at(-1)!.record
    expect(define.type === RecordType.QUEUE_DEFINE && define.queueId).toBe(3)
    const reader = recovered.engine.connect().open('A', { input: true })
    expect(text((await reader.get()).body)).toBe('kept')
  })
})
