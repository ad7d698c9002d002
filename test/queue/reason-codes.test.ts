/**
 * Goal: every MQ reason code the engine reports is triggered and asserted, with the MQ meaning.
 * Method: one small scenario per code (some codes have more than one path).
 */
import { describe, expect, it } from 'vitest'
import { MAX_MESSAGE_BYTES } from '../../src/constants.js'
import { CompCode, isMQError, Reason } from '../../src/errors.js'
import { Persistence } from '../../src/queue/types.js'
import { MemoryJournal } from './memory-journal.js'
import { bytes, createEngine, expectReason, settle } from './helpers.js'

async function setup(journal?: MemoryJournal) {
  const test = createEngine({ journal })
  await test.engine.defineQueue({ name: 'Q', maxDepth: 2, maxMessageLength: 16 })
  const connection = test.engine.connect()
  const handle = connection.open('Q', { input: true, output: true })
  return { ...test, connection, handle }
}

describe('reason codes: administration', () => {
  it('2100 OBJECT_ALREADY_EXISTS: DEFINE without REPLACE', async () => {
    const { engine } = await setup()
    await expectReason(engine.defineQueue({ name: 'Q' }), Reason.OBJECT_ALREADY_EXISTS)
  })

  it('2085 UNKNOWN_OBJECT_NAME: open, ALTER, DELETE, CLEAR, DISPLAY, LIKE', async () => {
    const { engine, connection } = await setup()
    await expectReason(() => connection.open('NOPE', { input: true }), Reason.UNKNOWN_OBJECT_NAME)
    await expectReason(() => connection.open('bad name', { input: true }), 2085)
    await expectReason(engine.alterQueue('NOPE', { maxDepth: 1 }), Reason.UNKNOWN_OBJECT_NAME)
    await expectReason(engine.deleteQueue('NOPE'), Reason.UNKNOWN_OBJECT_NAME)
    await expectReason(engine.clearQueue('NOPE'), Reason.UNKNOWN_OBJECT_NAME)
    await expectReason(() => engine.queueStatus('NOPE'), Reason.UNKNOWN_OBJECT_NAME)
    await expectReason(() => engine.queueAttributes('NOPE'), Reason.UNKNOWN_OBJECT_NAME)
    await expectReason(engine.defineQueue({ name: 'R' }, { like: 'NOPE' }), 2085)
  })

  it('2152 OBJECT_NAME_ERROR: names outside MQ rules', async () => {
    const { engine } = await setup()
    for (const name of ['', 'has space', 'x'.repeat(49), 'dash-ed', 'ü']) {
      await expectReason(engine.defineQueue({ name }), Reason.OBJECT_NAME_ERROR)
    }
    await engine.defineQueue({ name: 'A.b/C_d%9' })
  })

  it('4005 ATTR_VALUE_ERROR: attribute values out of range', async () => {
    const { engine } = await setup()
    const bad = [
      { maxDepth: -1 },
      { maxDepth: 1_000_000_000 },
      { maxDepth: 1.5 },
      { maxMessageLength: MAX_MESSAGE_BYTES + 1 },
      { defaultPriority: 10 },
      { description: 'x'.repeat(65) },
      { deliverySequence: 'RANDOM' as 'FIFO' },
      { putEnabled: 'yes' as unknown as boolean },
    ]
    for (const changes of bad) {
      await expectReason(engine.defineQueue({ name: 'R', ...changes }), Reason.CF_ATTR_VALUE_ERROR)
      await expectReason(engine.alterQueue('Q', changes), Reason.CF_ATTR_VALUE_ERROR)
    }
  })

  it('2042 OBJECT_IN_USE: DELETE or CLEAR of an open queue', async () => {
    const { engine } = await setup()
    await expectReason(engine.deleteQueue('Q', { purge: true }), Reason.OBJECT_IN_USE)
    await expectReason(engine.clearQueue('Q'), Reason.OBJECT_IN_USE)
  })

  it('2055 Q_NOT_EMPTY: DELETE without PURGE, DELETE or CLEAR with uncommitted messages', async () => {
    const { engine, connection, handle } = await setup()
    await handle.put(bytes('m'), { syncpoint: true })
    handle.close()
    await expectReason(engine.clearQueue('Q'), Reason.Q_NOT_EMPTY)
    await expectReason(engine.deleteQueue('Q', { purge: true }), Reason.Q_NOT_EMPTY)
    await connection.commit()
    await expectReason(engine.deleteQueue('Q'), Reason.Q_NOT_EMPTY)
    await engine.deleteQueue('Q', { purge: true })
  })
})

describe('reason codes: put', () => {
  it('2050 PRIORITY_ERROR, 2013 EXPIRY_ERROR, 2047 PERSISTENCE_ERROR, 2026 MD_ERROR', async () => {
    const { handle } = await setup()
    for (const priority of [10, -2, 1.5]) {
      await expectReason(handle.put(bytes('x'), { priority }), Reason.PRIORITY_ERROR)
    }
    for (const expiry of [0, -2, 2.5, 2 ** 31]) {
      await expectReason(handle.put(bytes('x'), { expiry }), Reason.EXPIRY_ERROR)
    }
    const persistence = 3 as Persistence
    await expectReason(handle.put(bytes('x'), { persistence }), Reason.PERSISTENCE_ERROR)
    await expectReason(handle.put(bytes('x'), { msgId: new Uint8Array(23) }), Reason.MD_ERROR)
    await expectReason(handle.put(bytes('x'), { correlId: new Uint8Array(25) }), Reason.MD_ERROR)
    await expectReason(handle.put(bytes('x'), { format: 'TOOLONGFMT' }), Reason.MD_ERROR)
    await expectReason(handle.put(bytes('x'), { replyToQueue: 'é' }), Reason.MD_ERROR)
  })

  it('2030 MSG_TOO_BIG_FOR_Q and 2031 MSG_TOO_BIG_FOR_Q_MGR', async () => {
    const { handle } = await setup()
    await handle.put(new Uint8Array(16))
    await expectReason(handle.put(new Uint8Array(17)), Reason.MSG_TOO_BIG_FOR_Q)
    await expectReason(handle.put(new Uint8Array(MAX_MESSAGE_BYTES + 1)), 2031)
  })

  it('2051 PUT_INHIBITED', async () => {
    const { engine, handle } = await setup()
    await engine.alterQueue('Q', { putEnabled: false })
    await expectReason(handle.put(bytes('x')), Reason.PUT_INHIBITED)
  })

  it('2053 Q_FULL, counting uncommitted puts', async () => {
    const { handle } = await setup()
    await handle.put(bytes('1'))
    await handle.put(bytes('2'), { syncpoint: true })
    await expectReason(handle.put(bytes('3')), Reason.Q_FULL)
  })

  it('2039 NOT_OPEN_FOR_OUTPUT, 2037 NOT_OPEN_FOR_INPUT, 2046 OPTIONS_ERROR on open', async () => {
    const { engine } = await setup()
    const connection = engine.connect()
    await expectReason(connection.open('Q', { input: true }).put(bytes('x')), 2039)
    await expectReason(connection.open('Q', { output: true }).get(), Reason.NOT_OPEN_FOR_INPUT)
    await expectReason(() => connection.open('Q', {}), Reason.OPTIONS_ERROR)
  })
})

describe('reason codes: get', () => {
  it('2016 GET_INHIBITED, for gets and browses', async () => {
    const { engine, connection } = await setup()
    const handle = connection.open('Q', { input: true, browse: true, output: true })
    await handle.put(bytes('x'))
    await engine.alterQueue('Q', { getEnabled: false })
    await expectReason(handle.get(), Reason.GET_INHIBITED)
    await expectReason(handle.get({ browse: 'first' }), Reason.GET_INHIBITED)
  })

  it('2033 NO_MSG_AVAILABLE', async () => {
    const { handle } = await setup()
    await expectReason(handle.get(), Reason.NO_MSG_AVAILABLE)
  })

  it('2019 HOBJ_ERROR and 2018 HCONN_ERROR after close', async () => {
    const { connection, handle } = await setup()
    handle.close()
    await expectReason(handle.put(bytes('x')), Reason.HOBJ_ERROR)
    await connection.close()
    await expectReason(connection.commit(), Reason.HCONN_ERROR)
  })
})

describe('reason codes: queue manager state', () => {
  it('2161 Q_MGR_QUIESCING for new work; commit and backout still work', async () => {
    const { engine, connection, handle } = await setup()
    await handle.put(bytes('x'), { syncpoint: true })
    engine.quiesce()
    await expectReason(handle.put(bytes('y')), Reason.Q_MGR_QUIESCING)
    await expectReason(handle.get(), Reason.Q_MGR_QUIESCING)
    await expectReason(() => engine.connect(), Reason.Q_MGR_QUIESCING)
    await expectReason(() => connection.open('Q', { input: true }), Reason.Q_MGR_QUIESCING)
    await expectReason(engine.defineQueue({ name: 'R' }), Reason.Q_MGR_QUIESCING)
    await connection.commit()
    expect(engine.queueStatus('Q').currentDepth).toBe(1)
  })

  it('2102 RESOURCE_PROBLEM when the journal fails, then 2059 Q_MGR_NOT_AVAILABLE', async () => {
    const journal = new MemoryJournal('manual')
    const pending = setup(journal)
    journal.releaseAll()
    const { engine, connection, handle } = await pending
    const waiting = connection.open('Q', { input: true }).get({ waitMs: -1 })
    await settle()
    const put = handle.put(bytes('x'), { persistence: Persistence.PERSISTENT })
    const cause = new Error('EIO')
    journal.fail(cause)
    let failure: unknown
    await put.catch((error: unknown) => (failure = error))
    expect(isMQError(failure)).toBe(true)
    expect(failure).toMatchObject({ reason: Reason.RESOURCE_PROBLEM, compCode: CompCode.FAILED })
    expect((failure as Error).cause).toBe(cause)
    expect(engine.failed).toBe(true)
    await expectReason(waiting, Reason.Q_MGR_NOT_AVAILABLE)
    await expectReason(handle.put(bytes('y')), Reason.Q_MGR_NOT_AVAILABLE)
    await expectReason(handle.put(bytes('y'), { persistence: 0 }), Reason.Q_MGR_NOT_AVAILABLE)
    await expectReason(connection.commit(), Reason.Q_MGR_NOT_AVAILABLE)
    await expectReason(() => engine.connect(), Reason.Q_MGR_NOT_AVAILABLE)
    await connection.close()
  })

  it('2102 when waitDurable rejects while the journal still accepts appends', async () => {
    const journal = new MemoryJournal('immediate')
    const { engine, handle } = await setup(journal)
    await handle.put(bytes('kept'), { persistence: Persistence.PERSISTENT })
    journal.mode = 'failing'
    await expectReason(handle.get(), Reason.RESOURCE_PROBLEM)
    await expectReason(engine.alterQueue('Q', { maxDepth: 9 }), Reason.Q_MGR_NOT_AVAILABLE)
  })

  it('non-persistent work never waits for the journal', async () => {
    const journal = new MemoryJournal('manual')
    const pending = setup(journal)
    journal.releaseAll()
    const { handle } = await pending
    await handle.put(bytes('np'), { persistence: Persistence.NOT_PERSISTENT })
    await handle.get()
    expect(journal.pendingWaits).toBe(0)
  })

  it('a persistent put resolves only once durable', async () => {
    const journal = new MemoryJournal('manual')
    const pending = setup(journal)
    journal.releaseAll()
    const { handle } = await pending
    let resolved = false
    const put = handle.put(bytes('p'), { persistence: Persistence.PERSISTENT })
    void put.then(() => (resolved = true))
    await settle()
    expect(resolved).toBe(false)
    journal.releaseAll()
    await put
    expect(resolved).toBe(true)
  })
})
