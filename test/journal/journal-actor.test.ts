/**
 * Goal: the journal actor (a real worker thread) makes every appended record durable in order,
 * survives its own crash without losing or duplicating a record, and fails loudly on a write
 * error. Method: append through the handle, wait for durability, then read the files back with
 * recovery; faults are injected into the worker's SegmentIo (test/journal/fixtures).
 */
import fs from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { JournalHandle } from '../../src/actors/journal/handle.js'
import { VerbatimFeed } from '../../src/actors/replication/verbatim-feed.js'
import { FramedRing } from '../../src/ring/framed-ring.js'
import { diskFaults, type DiskFaults } from './fixtures/disk-faults.js'
import { recoverLog } from '../../src/actors/journal/recovery.js'
import { preallocateSegment, segmentPath } from '../../src/actors/journal/segment-files.js'
import { Supervisor } from '../../src/actors/supervisor/supervisor.js'
import { ErrorCode } from '../../src/errors.js'
import { RecordType, type MessagePutRecord } from '../../src/actors/journal/record-types.js'
import { rootLogger } from '../../src/log.js'
import { SideWorkPool } from '../../src/side-work/pool.js'
import { bodyLabel, putRecord } from '../support/records.js'
import { temporaryDirectory } from '../support/temporary-directory.js'

const SEGMENT_BYTES = 256 * 1024

let directory: { path: string; remove: () => void }
let sideWork: SideWorkPool
let supervisor: Supervisor
let journal: JournalHandle | undefined
/** More directories of this test, removed with the main one (after side work has stopped). */
let extraDirectories: { path: string; remove: () => void }[] = []

beforeEach(() => {
  directory = temporaryDirectory('journal')
  sideWork = new SideWorkPool()
  supervisor = new Supervisor(rootLogger())
})

afterEach(async () => {
  await journal?.close().catch(() => undefined)
  journal = undefined
  await supervisor.stopAll()
  await sideWork.close()
  directory.remove()
  for (const extra of extraDirectories) extra.remove()
  extraDirectories = []
})

function start(options: { faults?: DiskFaults; ringBytes?: number; startLsn?: number } = {}) {
  preallocateSegment(
    directory.path,
    Math.floor((options.startLsn ?? 0) / SEGMENT_BYTES),
    SEGMENT_BYTES,
  )
  journal = JournalHandle.start({
    directory: directory.path,
    segmentBytes: SEGMENT_BYTES,
    startLsn: options.startLsn ?? 0,
    epoch: 7,
    supervisor,
    sideWork,
    logger: rootLogger(),
    ringBytes: options.ringBytes ?? 1024 * 1024,
    segmentIoWrapper: options.faults === undefined ? undefined : diskFaults(options.faults),
  })
  return journal
}

function recoveredLabels(): string[] {
  const labels: string[] = []
  recoverLog(directory.path, SEGMENT_BYTES, 0, (record, header) => {
    expect(header.epoch).toBe(7)
    if (record.type === RecordType.MESSAGE_PUT) labels.push(bodyLabel(record))
  })
  return labels
}

/** Bodies of varied sizes, some large enough to cross segments and overflow a small ring. */
function bodyBytesFor(index: number): number {
  return index % 50 === 49 ? 60_000 : 200 + ((index * 37) % 3000)
}

describe('journal actor', () => {
  it('makes every record durable, in order, across segments and a full ring', async () => {
    const handle = start({ ringBytes: 256 * 1024 })
    const waits: Promise<void>[] = []
    for (let index = 0; index < 600; index++) {
      const lsn = handle.append(putRecord(`record-${index}`, bodyBytesFor(index)))
      waits.push(handle.waitDurable(lsn))
      if (index % 100 === 99) await Promise.all(waits.splice(0))
    }
    await Promise.all(waits)
    expect(handle.durableLsn).toBe(handle.endLsn)
    const stats = await handle.stats()
    expect(stats?.records).toBeGreaterThanOrEqual(600)
    expect(stats!.batches).toBeLessThan(stats!.records)
    await handle.close()
    const labels = recoveredLabels()
    expect(labels).toEqual(Array.from({ length: 600 }, (_, index) => `record-${index}`))
  })

  it('reads a PUT back before and after it is durable', async () => {
    const handle = start()
    const record = putRecord('read-me', 5000)
    const lsn = handle.append(record)
    expect(bodyLabel(handle.readPut(lsn))).toBe('read-me')
    await handle.waitDurable(lsn)
    const fromDisk: MessagePutRecord = handle.readPut(lsn)
    expect(bodyLabel(fromDisk)).toBe('read-me')
    expect(Buffer.from(fromDisk.descriptor.msgId)).toEqual(Buffer.from(record.descriptor.msgId))
  })

  it('continues an existing log at its end LSN', async () => {
    let handle = start()
    await handle.waitDurable(handle.append(putRecord('first', 100)))
    const end = handle.endLsn
    await handle.close()
    await supervisor.stopAll()
    supervisor = new Supervisor(rootLogger())
    handle = start({ startLsn: end })
    await handle.waitDurable(handle.append(putRecord('second', 100)))
    await handle.close()
    expect(recoveredLabels()).toEqual(['first', 'second'])
  })

  it('a crashed worker is restarted and nothing is lost or duplicated', async () => {
    const handle = start({ faults: { crashAtBatch: 3 } })
    const restarts: number[] = []
    supervisor.on('actor-restarted', (_name, generation) => restarts.push(generation))
    const waits: Promise<void>[] = []
    for (let index = 0; index < 300; index++) {
      waits.push(handle.waitDurable(handle.append(putRecord(`crash-${index}`, 500))))
      // Wait per group of ten so there are many batches (the third one crashes the worker).
      if (index % 10 === 9) await Promise.all(waits)
    }
    await Promise.all(waits)
    expect(restarts).toEqual([2])
    await handle.close()
    expect(recoveredLabels()).toEqual(Array.from({ length: 300 }, (_, index) => `crash-${index}`))
  })

  it('a write failure (full disk) fails waiters and later appends, and is never retried', async () => {
    const handle = start({ faults: { failWriteAtBatch: 2, failWriteCode: 'ENOSPC' } })
    await handle.waitDurable(handle.append(putRecord('before', 100)))
    const failing = handle.waitDurable(handle.append(putRecord('lost', 100)))
    await expect(failing).rejects.toMatchObject({ code: ErrorCode.JOURNAL_WRITE_FAILED })
    await expect(failing).rejects.toThrow(/ENOSPC/)
    expect(() => handle.append(putRecord('after', 100))).toThrow(/JOURNAL_WRITE_FAILED/)
    await handle.close()
    expect(recoveredLabels()).toEqual(['before'])
  })

  it('gives up after the restart budget and fails every waiter', async () => {
    const handle = start({ faults: { crashAtBatch: 1, crashGenerations: 1000 } })
    const failing = handle.waitDurable(handle.append(putRecord('never', 100)))
    await expect(failing).rejects.toMatchObject({ code: ErrorCode.RESTART_BUDGET_EXHAUSTED })
  }, 20_000)
})

describe('journal actor as a follower', () => {
  /** The leader's log, written by a real journal worker in `directory`, as bytes from LSN 0. */
  async function leaderLog(count: number): Promise<{ bytes: Buffer; lsns: number[] }> {
    const leader = start()
    const lsns = Array.from({ length: count }, (_, index) =>
      leader.append(putRecord(`leader-${index}`, 300 + index * 10)),
    )
    await leader.waitDurable(leader.endLsn - 1)
    const end = leader.endLsn
    await leader.close()
    journal = undefined
    const file = fs.readFileSync(segmentPath(directory.path, 0))
    return { bytes: file.subarray(0, end), lsns }
  }

  interface Follower {
    readonly journal: JournalHandle
    /** Delivers records as a replication worker does: verbatim ring, then adoptVerbatim. */
    deliver(records: Uint8Array): number
  }

  function startFollower(path: string, followerSupervisor: Supervisor): Follower {
    preallocateSegment(path, 0, SEGMENT_BYTES)
    const verbatimRing = FramedRing.create(1024 * 1024)
    const journal = JournalHandle.start({
      directory: path,
      segmentBytes: SEGMENT_BYTES,
      startLsn: 0,
      epoch: 7,
      supervisor: followerSupervisor,
      sideWork,
      logger: rootLogger(),
      verbatimRingBuffer: verbatimRing.sharedBuffer,
    })
    const feed = new VerbatimFeed(verbatimRing, FramedRing.attach(journal.ringBuffer))
    return {
      journal,
      deliver(records) {
        feed.write(records)
        return journal.adoptVerbatim(records)
      },
    }
  }

  it('writes the leader bytes verbatim, cuts an uncommitted tail and goes on in a new epoch', async () => {
    const { bytes, lsns } = await leaderLog(40)
    const followerDirectory = temporaryDirectory('journal-follower')
    // Removed in afterEach: the side-work pool may still be preparing its next segment.
    extraDirectories.push(followerDirectory)
    const followerSupervisor = new Supervisor(rootLogger())
    try {
      const { journal: follower, deliver } = startFollower(
        followerDirectory.path,
        followerSupervisor,
      )
      // Two deliveries, split at a record boundary, as a replication stream would bring them.
      expect(deliver(bytes.subarray(0, lsns[25]))).toBe(lsns[25])
      const end = deliver(bytes.subarray(lsns[25]))
      expect(end).toBe(bytes.length)
      expect(bodyLabel(follower.readPut(lsns[30]!))).toBe('leader-30')
      await follower.waitDurable(end - 1)
      const written = fs.readFileSync(segmentPath(followerDirectory.path, 0))
      expect(written.subarray(0, end).equals(bytes)).toBe(true)

      const cutting = follower.truncateFrom(lsns[32]!)
      expect(() => follower.append(putRecord('too-early', 100))).toThrow(/during truncateFrom/)
      const cut = await cutting
      expect(cut).toMatchObject({ fromLsn: lsns[32], endLsn: end })
      expect(Buffer.from(cut.records).equals(bytes.subarray(lsns[32]))).toBe(true)
      expect(follower.endLsn).toBe(lsns[32])

      expect(() => follower.setEpoch(6)).toThrow(/older than the journal's epoch 7/)
      follower.setEpoch(8)
      await follower.waitDurable(follower.append(putRecord('new-epoch', 100)))
      await follower.close()
      const replayed: string[] = []
      const epochs = new Set<number>()
      const result = recoverLog(followerDirectory.path, SEGMENT_BYTES, 0, (record, header) => {
        epochs.add(header.epoch)
        if (record.type === RecordType.MESSAGE_PUT) replayed.push(bodyLabel(record))
      })
      const expected = Array.from({ length: 32 }, (_, index) => `leader-${index}`)
      expect(replayed).toEqual([...expected, 'new-epoch'])
      expect([...epochs]).toEqual([7, 8])
      expect(result.lastEpoch).toBe(8)
    } finally {
      await followerSupervisor.stopAll()
    }
  })

  it('refuses to adopt a delivery that does not continue the log, and adopts nothing of it', async () => {
    const { bytes, lsns } = await leaderLog(5)
    const followerDirectory = temporaryDirectory('journal-follower')
    // Removed in afterEach: the side-work pool may still be preparing its next segment.
    extraDirectories.push(followerDirectory)
    const followerSupervisor = new Supervisor(rootLogger())
    try {
      const { journal: follower, deliver } = startFollower(
        followerDirectory.path,
        followerSupervisor,
      )
      expect(() => follower.adoptVerbatim(bytes.subarray(lsns[1]))).toThrow(
        expect.objectContaining({ code: ErrorCode.RECORD_INVALID }),
      )
      expect(follower.endLsn).toBe(0)
      const end = deliver(bytes)
      await follower.waitDurable(end - 1)
      await follower.close()
    } finally {
      await followerSupervisor.stopAll()
    }
  })

  it('stops the journal rather than write a damaged record', async () => {
    const { bytes, lsns } = await leaderLog(5)
    const damaged = Buffer.from(bytes)
    const at = lsns[3]! + 100
    damaged[at] = damaged[at]! ^ 0xff
    const followerDirectory = temporaryDirectory('journal-follower')
    // Removed in afterEach: the side-work pool may still be preparing its next segment.
    extraDirectories.push(followerDirectory)
    const followerSupervisor = new Supervisor(rootLogger())
    try {
      const { journal: follower, deliver } = startFollower(
        followerDirectory.path,
        followerSupervisor,
      )
      const end = deliver(damaged)
      await expect(follower.waitDurable(end - 1)).rejects.toThrow(/refused: checksum/)
      await follower.close()
      const replayed: string[] = []
      recoverLog(followerDirectory.path, SEGMENT_BYTES, 0, (record) => {
        if (record.type === RecordType.MESSAGE_PUT) replayed.push(bodyLabel(record))
      })
      // Records before the damaged one may be written (they were verified); none after it.
      expect(replayed.length).toBeLessThanOrEqual(3)
      expect(replayed).toEqual(Array.from({ length: replayed.length }, (_, i) => `leader-${i}`))
    } finally {
      await followerSupervisor.stopAll()
    }
  })
})
