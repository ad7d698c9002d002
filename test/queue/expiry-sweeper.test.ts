/**
 * Goal: the expiry sweeper removes expired messages no get meets (CURDEPTH drops), leaves live,
 * locked and never-expiring messages alone, examines at most its budget per tick and resumes
 * where it stopped, writes no journal record, and runs from its own timer once started.
 * Method: the manual clock and timers of helpers.ts; ticks driven by hand or by the timers.
 */
import { describe, expect, it } from 'vitest'
import { EXPIRY_SWEEP_INTERVAL_MS } from '../../src/constants.js'
import { Persistence } from '../../src/queue/types.js'
import { bytes, createEngine, text } from './helpers.js'

async function setup(queues = ['Q']) {
  const test = createEngine()
  for (const name of queues) await test.engine.defineQueue({ name, maxDepth: 100_000 })
  const connection = test.engine.connect()
  return { ...test, connection }
}

describe('expiry sweeper', () => {
  it('removes expired messages without a get, persistent or not, and writes nothing', async () => {
    const { engine, journal, connection, clock } = await setup()
    const handle = connection.open('Q', { input: true, output: true })
    for (const persistence of [Persistence.PERSISTENT, Persistence.NOT_PERSISTENT]) {
      await handle.put(bytes('brief'), { persistence, expiry: 10 })
      await handle.put(bytes('forever'), { persistence })
    }
    const records = journal.entries.length
    engine.sweepExpired()
    expect(engine.queueStatus('Q').currentDepth).toBe(4)
    clock.advance(1_001)
    engine.sweepExpired()
    expect(engine.queueStatus('Q').currentDepth).toBe(2)
    expect(journal.entries.length).toBe(records)
    expect(text((await handle.get()).body)).toBe('forever')
    expect(text((await handle.get()).body)).toBe('forever')
  })

  it('leaves a message locked by a unit of work to its unit of work', async () => {
    const { engine, connection, clock } = await setup()
    const handle = connection.open('Q', { input: true, output: true })
    await handle.put(bytes('locked'), { persistence: Persistence.PERSISTENT, expiry: 10 })
    await handle.get({ syncpoint: true })
    clock.advance(5_000)
    engine.sweepExpired()
    expect(engine.queueStatus('Q').currentDepth).toBe(1)
    await connection.backout()
    engine.sweepExpired()
    expect(engine.queueStatus('Q').currentDepth).toBe(0)
  })

  it('examines at most its budget per tick and resumes where it stopped, across queues', async () => {
    const { engine, connection, clock } = await setup(['A', 'B'])
    for (const name of ['A', 'B']) {
      const handle = connection.open(name, { output: true })
      for (let index = 0; index < 100; index++) await handle.put(bytes('x'), { expiry: 1 })
    }
    clock.advance(1_000)
    const depth = () => engine.queueStatus('A').currentDepth + engine.queueStatus('B').currentDepth
    expect(engine.sweepExpired(30)).toBe(30)
    expect(depth()).toBe(170)
    let ticks = 1
    while (depth() > 0) {
      expect(engine.sweepExpired(30)).toBeLessThanOrEqual(30)
      ticks++
      expect(ticks).toBeLessThan(20)
    }
    expect(ticks).toBe(Math.ceil(200 / 30))
  })

  it('runs on its own timer once started and stops at quiesce', async () => {
    const { engine, connection, clock, timers } = await setup()
    const handle = connection.open('Q', { output: true })
    await handle.put(bytes('brief'), { expiry: 5 })
    engine.startExpirySweeper()
    expect(timers.size).toBe(1)
    clock.advance(1_000)
    expect(engine.queueStatus('Q').currentDepth).toBe(1)
    timers.advance(EXPIRY_SWEEP_INTERVAL_MS)
    expect(engine.queueStatus('Q').currentDepth).toBe(0)
    expect(timers.size).toBe(1)
    engine.quiesce()
    expect(timers.size).toBe(0)
  })

  it('sweeps everything at start: a replayed expired message is gone before anyone looks', async () => {
    const { connection, journal } = await setup()
    const handle = connection.open('Q', { output: true })
    await handle.put(bytes('brief'), { persistence: Persistence.PERSISTENT, expiry: 5 })
    await handle.put(bytes('kept'), { persistence: Persistence.PERSISTENT })
    const recovered = createEngine({ journal })
    for (const entry of journal.entries) recovered.engine.apply(entry.record, entry.lsn)
    recovered.clock.advance(60_000)
    expect(recovered.engine.queueStatus('Q').currentDepth).toBe(2)
    recovered.engine.startExpirySweeper()
    expect(recovered.engine.queueStatus('Q').currentDepth).toBe(1)
    recovered.engine.quiesce()
  })
})
