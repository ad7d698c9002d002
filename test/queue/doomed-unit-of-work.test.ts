/**
 * Goal: a unit of work the queue manager backs out on its own (doomUnitOfWork) behaves as MQ's
 * MQRC_BACKED_OUT: its work is undone at once and durably; the next syncpoint put or get fails
 * with 2003 FAILED until the application backs out; MQCMIT reports 2003 WARNING and ends the
 * doom; work outside syncpoint goes on; an orphan (recovered) unit of work is simply backed out.
 * Method: the memory-journal engine of helpers.ts; replay checks the backout reached the journal.
 */
import { describe, expect, it } from 'vitest'
import { CompCode, MQError, Reason } from '../../src/errors.js'
import { RecordType } from '../../src/actors/journal/record-types.js'
import { Persistence } from '../../src/queue/types.js'
import { bytes, createEngine, expectReason, replayed, text } from './helpers.js'

const PERSISTENT = { persistence: Persistence.PERSISTENT } as const

async function setup() {
  const test = createEngine()
  await test.engine.defineQueue({ name: 'Q' })
  const connection = test.engine.connect()
  const handle = connection.open('Q', { input: true, output: true })
  await handle.put(bytes('before'), PERSISTENT)
  return { ...test, connection, handle }
}

async function reasonAndCompCode(action: Promise<unknown>): Promise<[number, number]> {
  try {
    await action
  } catch (error) {
    if (error instanceof MQError) return [error.reason, error.compCode]
    throw error
  }
  throw new Error('expected a failure')
}

describe('doomed unit of work', () => {
  it('backs the work out at once and durably', async () => {
    const { engine, journal, handle } = await setup()
    await handle.get({ syncpoint: true })
    await handle.put(bytes('in unit'), { ...PERSISTENT, syncpoint: true })
    const [unit] = engine.openUnitsOfWork()
    expect(unit?.operationCount).toBe(2)
    expect(await engine.doomUnitOfWork(unit!.uowId, 'log space')).toBe(true)
    expect(engine.openUnitsOfWork()).toEqual([])
    expect(engine.queueStatus('Q').currentDepth).toBe(1)
    expect(journal.entries.at(-1)?.record.type).toBe(RecordType.UOW_BACKOUT)
    const recovered = replayed(journal.entries)
    expect(recovered.engine.queueStatus('Q').currentDepth).toBe(1)
    const again = recovered.engine.connect().open('Q', { input: true })
    const message = await again.get()
    expect(text(message.body)).toBe('before')
    expect(message.descriptor.backoutCount).toBe(1)
  })

  it('fails syncpoint calls with 2003 FAILED until MQBACK; others go on', async () => {
    const { engine, connection, handle } = await setup()
    await handle.put(bytes('in unit'), { ...PERSISTENT, syncpoint: true })
    await engine.doomUnitOfWork(engine.openUnitsOfWork()[0]!.uowId, 'log space')
    expect(connection.isUnitOfWorkDoomed).toBe(true)
    expect(await reasonAndCompCode(handle.get({ syncpoint: true }))).toEqual([
      Reason.BACKED_OUT,
      CompCode.FAILED,
    ])
    await expectReason(handle.put(bytes('x'), { syncpoint: true }), Reason.BACKED_OUT)
    await handle.put(bytes('outside'), PERSISTENT)
    await connection.backout()
    expect(connection.isUnitOfWorkDoomed).toBe(false)
    await handle.put(bytes('new unit'), { ...PERSISTENT, syncpoint: true })
    await connection.commit()
    expect(engine.queueStatus('Q').currentDepth).toBe(3)
  })

  it('reports 2003 WARNING on MQCMIT, which ends the doom', async () => {
    const { engine, connection, handle } = await setup()
    await handle.get({ syncpoint: true })
    await engine.doomUnitOfWork(engine.openUnitsOfWork()[0]!.uowId, 'log space')
    expect(await reasonAndCompCode(connection.commit())).toEqual([
      Reason.BACKED_OUT,
      CompCode.WARNING,
    ])
    await connection.commit()
    expect(text((await handle.get({ syncpoint: true })).body)).toBe('before')
  })

  it('backs out an orphan unit of work and answers false for an unknown one', async () => {
    const { engine, journal, handle } = await setup()
    await handle.put(bytes('orphan'), { ...PERSISTENT, syncpoint: true })
    const recovered = replayed(journal.entries)
    const uowId = recovered.engine.openUnitsOfWork()[0]!.uowId
    expect(await recovered.engine.doomUnitOfWork(uowId, 'log space')).toBe(true)
    expect(recovered.engine.queueStatus('Q').currentDepth).toBe(1)
    expect(await engine.doomUnitOfWork(uowId + 8000, 'nothing')).toBe(false)
  })
})
