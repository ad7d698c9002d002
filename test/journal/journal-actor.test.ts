/**
 * Goal: the journal actor (a real worker thread) makes every appended record durable in order,
 * survives its own crash without losing or duplicating a record, and fails loudly on a write
 * error. Method: append through the handle, wait for durability, then read the files back with
 * recovery; faults are injected into the worker's SegmentIo (test/journal/fixtures).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { JournalHandle } from '../../src/actors/journal/handle.js'
import { diskFaults, type DiskFaults } from './fixtures/disk-faults.js'
import { recoverLog } from '../../src/actors/journal/recovery.js'
import { preallocateSegment } from '../../src/actors/journal/segment-files.js'
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
