/**
 * Goal: the compactor's policy and pacing: no pass until the floor is TRIGGER intervals behind;
 * a pass moves exactly the messages below end − TARGET intervals, in rounds of bounded bytes each
 * waited durable; messages that left or are locked are skipped and a later pass (after the retry
 * distance) takes them; a log that is mostly live data is left alone; a checkpoint follows moves.
 * Method: LogCompactor over a fake port (an in-memory "log" of LSNs), no queue manager, no time.
 */
import { describe, expect, it } from 'vitest'
import { LogCompactor, type CompactionPort } from '../../src/compaction/log-compactor.js'
import { compactionTarget, worthMoving } from '../../src/compaction/compaction-policy.js'
import {
  LOG_COMPACTION_RETRY_INTERVALS,
  LOG_COMPACTION_ROUND_BYTES,
  LOG_COMPACTION_TARGET_INTERVALS,
  LOG_COMPACTION_TRIGGER_INTERVALS,
} from '../../src/constants.js'
import type { RelocationCandidate } from '../../src/queue/engine.js'
import { rootLogger } from '../../src/log.js'

const INTERVAL = 1000_000

class FakeLog implements CompactionPort {
  end = 64
  floor = 64
  /** putLsn → body length of live messages; locked ones are not offered as candidates. */
  readonly live = new Map<number, number>()
  readonly locked = new Set<number>()
  readonly events: string[] = []

  put(bytes: number): number {
    const lsn = this.end
    this.live.set(lsn, bytes)
    this.end += bytes + 64
    return lsn
  }
  endLsn(): number {
    return this.end
  }
  checkpointFloorLsn(): number {
    return this.floor
  }
  scan(belowLsn: number) {
    const below = [...this.live].filter(([lsn]) => lsn < belowLsn)
    const candidates = below
      .filter(([lsn]) => !this.locked.has(lsn))
      .map(([putLsn, bodyLength]) => ({ queueId: 1, slot: 0, putLsn, bodyLength }))
    const lockedLsns = below.filter(([lsn]) => this.locked.has(lsn)).map(([lsn]) => lsn)
    return {
      candidates,
      lockedCount: lockedLsns.length,
      oldestLockedLsn: Math.min(Infinity, ...lockedLsns),
    }
  }
  relocate(candidate: RelocationCandidate): number | undefined {
    const bytes = this.live.get(candidate.putLsn)
    if (bytes === undefined) return undefined
    this.live.delete(candidate.putLsn)
    const lsn = this.put(bytes)
    this.events.push(`move ${candidate.putLsn}`)
    return lsn
  }
  waitDurable(lsn: number): Promise<void> {
    this.events.push(`durable ${lsn}`)
    return Promise.resolve()
  }
  checkpoint(): Promise<void> {
    this.floor = Math.min(this.end, ...this.live.keys())
    this.events.push('checkpoint')
    return Promise.resolve()
  }
  pause(): Promise<void> {
    return Promise.resolve()
  }
  /** Traffic that is put and consumed at once: log grows, nothing stays live. */
  advance(bytes: number): void {
    this.end += bytes
  }
}

function compactor(log: FakeLog): LogCompactor {
  return new LogCompactor(log, INTERVAL, rootLogger().child({ test: 'compactor' }))
}

describe('compaction policy', () => {
  it('triggers past TRIGGER intervals and targets TARGET intervals behind the end', () => {
    const inputs = { floorLsn: 0, checkpointIntervalBytes: INTERVAL, lastPassEndLsn: -Infinity }
    const trigger = LOG_COMPACTION_TRIGGER_INTERVALS * INTERVAL
    expect(compactionTarget({ ...inputs, endLsn: trigger })).toBeUndefined()
    expect(compactionTarget({ ...inputs, endLsn: trigger + 8 })).toBe(
      trigger + 8 - LOG_COMPACTION_TARGET_INTERVALS * INTERVAL,
    )
    const retry = LOG_COMPACTION_RETRY_INTERVALS * INTERVAL
    const recent = { ...inputs, endLsn: trigger + 8, lastPassEndLsn: trigger + 8 - retry + 8 }
    expect(compactionTarget(recent)).toBeUndefined()
    expect(compactionTarget({ ...recent, lastPassEndLsn: trigger + 8 - retry })).toBeDefined()
    expect(worthMoving(500, 0, 1000)).toBe(true)
    expect(worthMoving(501, 0, 1000)).toBe(false)
  })
})

describe('log compactor', () => {
  it('moves what lies below the target in durable rounds, then checkpoints twice', async () => {
    const log = new FakeLog()
    const old = [log.put(400_000), log.put(400_000), log.put(400_000)]
    const subject = compactor(log)
    log.advance(LOG_COMPACTION_TRIGGER_INTERVALS * INTERVAL - log.end)
    expect(subject.poll()).toBeUndefined()
    const keptNew = log.put(10)
    log.advance(2 * INTERVAL)
    const passStartLsn = log.end
    await subject.poll()
    // A round ends once it reaches LOG_COMPACTION_ROUND_BYTES: three messages, then the fourth.
    expect(LOG_COMPACTION_ROUND_BYTES).toBeGreaterThan(800_000)
    expect(LOG_COMPACTION_ROUND_BYTES).toBeLessThan(1_200_000)
    expect(log.events.map((event) => event.replace(/ \d+$/, ''))).toEqual([
      'move',
      'move',
      'move',
      'durable',
      'move',
      'durable',
      'checkpoint',
      'checkpoint',
    ])
    expect(log.events.slice(0, 3)).toEqual(old.map((lsn) => `move ${lsn}`))
    expect(log.events[4]).toBe(`move ${keptNew}`)
    expect(subject.stats()).toMatchObject({ passes: 1, messagesMoved: 4 })
    // Everything moved lies past where the pass started: so does the checkpoint's floor.
    expect(log.floor).toBe(passStartLsn)
  })

  it('leaves locked messages for a later pass, after the retry distance', async () => {
    const log = new FakeLog()
    const locked = log.put(100)
    log.locked.add(locked)
    const subject = compactor(log)
    log.advance(3 * INTERVAL)
    await subject.poll()
    expect(subject.stats()).toMatchObject({ passes: 1, messagesMoved: 0, lockedAtLastPass: 1 })
    expect(log.events).toEqual([]) // nothing moved: no checkpoint forced
    log.locked.delete(locked)
    log.advance(LOG_COMPACTION_RETRY_INTERVALS * INTERVAL - 8)
    expect(subject.poll()).toBeUndefined()
    log.advance(8)
    await subject.poll()
    expect(subject.stats()).toMatchObject({ passes: 2, messagesMoved: 1, lockedAtLastPass: 0 })
  })

  it('keeps a log that is mostly live data', async () => {
    const log = new FakeLog()
    for (let index = 0; index < 30; index++) log.put(100_000)
    const subject = compactor(log)
    log.advance(LOG_COMPACTION_TRIGGER_INTERVALS * INTERVAL)
    await subject.poll()
    expect(subject.stats()).toMatchObject({ messagesMoved: 0, passesSkippedMostlyLive: 1 })
  })

  it('stop() waits for the running pass and prevents further ones', async () => {
    const log = new FakeLog()
    log.put(100)
    const subject = compactor(log)
    log.advance(3 * INTERVAL)
    const pass = subject.poll()
    expect(subject.stats().running).toBe(true)
    await subject.stop()
    await pass
    log.put(100)
    log.advance(3 * INTERVAL)
    expect(subject.poll()).toBeUndefined()
  })
})
