/**
 * Goal: recovery reads back exactly what was written, ends the log where writing stopped, and
 * tells a torn tail (truncate, carry on) from corruption of synced data (stop, name the place).
 * Method: build real segment files with the journal's own SegmentWriter, damage them the way a
 * crash or a bad disk would, and recover.
 */
import fs from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { recoverLog } from '../../src/actors/journal/recovery.js'
import { segmentPath } from '../../src/actors/journal/segment-files.js'
import { ErrorCode, isQmqError } from '../../src/errors.js'
import { RecordType, type JournalRecord } from '../../src/actors/journal/record-types.js'
import { buildLog } from '../support/log-builder.js'
import { bodyLabel, putRecord } from '../support/records.js'
import { temporaryDirectory } from '../support/temporary-directory.js'

const SEGMENT_BYTES = 64 * 1024

let directory: { path: string; remove: () => void }
beforeEach(() => {
  directory = temporaryDirectory('recovery')
})
afterEach(() => directory.remove())

function records(count: number, bodyBytes = 1000): JournalRecord[] {
  return Array.from({ length: count }, (_, index) => putRecord(`message-${index}`, bodyBytes))
}

function recoverLabels(fromLsn = 0): { labels: string[]; result: ReturnType<typeof recoverLog> } {
  const labels: string[] = []
  const result = recoverLog(directory.path, SEGMENT_BYTES, fromLsn, (record) => {
    if (record.type === RecordType.MESSAGE_PUT) labels.push(bodyLabel(record))
  })
  return { labels, result }
}

function damage(lsn: number, byteInRecord: number, mutate: (byte: number) => number): void {
  const file = segmentPath(directory.path, Math.floor(lsn / SEGMENT_BYTES))
  const descriptor = fs.openSync(file, 'r+')
  const position = (lsn % SEGMENT_BYTES) + byteInRecord
  const byte = Buffer.alloc(1)
  fs.readSync(descriptor, byte, 0, 1, position)
  byte[0] = mutate(byte[0]!)
  fs.writeSync(descriptor, byte, 0, 1, position)
  fs.closeSync(descriptor)
}

function expectQmqError(action: () => unknown, code: string, ...fragments: string[]): void {
  let caught: unknown
  try {
    action()
  } catch (error) {
    caught = error
  }
  expect(isQmqError(caught), `expected ${code}, got ${String(caught)}`).toBe(true)
  const error = caught as Error & { code: string }
  expect(error.code).toBe(code)
  for (const fragment of fragments) expect(error.message).toContain(fragment)
}

describe('recovery of an intact log', () => {
  it('replays every record in order across segments and ends where writing stopped', () => {
    const built = buildLog(directory.path, SEGMENT_BYTES, records(200))
    expect(Math.floor(built.endLsn / SEGMENT_BYTES)).toBeGreaterThanOrEqual(2)
    const { labels, result } = recoverLabels()
    expect(labels).toEqual(Array.from({ length: 200 }, (_, index) => `message-${index}`))
    expect(result.endLsn).toBe(built.endLsn)
    expect(result.tornTail).toBeUndefined()
  })

  it('starts from a checkpoint LSN in the middle of the log', () => {
    const built = buildLog(directory.path, SEGMENT_BYTES, records(100))
    const { labels } = recoverLabels(built.lsns[70]!)
    expect(labels[0]).toBe('message-70')
    expect(labels).toHaveLength(30)
  })

  it('an empty log ends at 0', () => {
    expect(recoverLabels().result.endLsn).toBe(0)
  })

  it('ignores stale records in a recycled segment (valid checksum, wrong LSN)', () => {
    const built = buildLog(directory.path, SEGMENT_BYTES, records(10))
    const stale = segmentPath(directory.path, 1)
    fs.copyFileSync(segmentPath(directory.path, 0), stale)
    const { labels, result } = recoverLabels()
    expect(labels).toHaveLength(10)
    expect(result.endLsn).toBe(built.endLsn)
  })
})

describe('torn tail: the last write batch was cut short', () => {
  it('a torn last record is truncated and logged, and the next recovery is clean', () => {
    const built = buildLog(directory.path, SEGMENT_BYTES, records(20), { recordsPerBatch: 1 })
    const lastLsn = built.lsns[19]!
    const file = segmentPath(directory.path, Math.floor(lastLsn / SEGMENT_BYTES))
    const descriptor = fs.openSync(file, 'r+')
    const half = Math.floor(built.lengths[19]! / 2)
    fs.writeSync(descriptor, Buffer.alloc(half), 0, half, (lastLsn % SEGMENT_BYTES) + half)
    fs.closeSync(descriptor)
    const first = recoverLabels()
    expect(first.labels).toHaveLength(19)
    expect(first.result.endLsn).toBe(lastLsn)
    expect(first.result.tornTail).toMatchObject({
      file,
      lsn: lastLsn,
      offset: lastLsn % SEGMENT_BYTES,
    })
    const second = recoverLabels()
    expect(second.labels).toHaveLength(19)
    expect(second.result.tornTail).toBeUndefined()
  })

  it('a flipped bit in the last record is treated as a torn tail', () => {
    const built = buildLog(directory.path, SEGMENT_BYTES, records(20), { recordsPerBatch: 1 })
    damage(built.lsns[19]!, 500, (byte) => byte ^ 0x10)
    const { labels, result } = recoverLabels()
    expect(labels).toHaveLength(19)
    expect(result.tornTail?.reason).toContain('checksum')
  })

  it('a bad record followed by records of its own batch is a torn tail', () => {
    // Batches of 5: records 15..19 are the last batch; damage record 16.
    const built = buildLog(directory.path, SEGMENT_BYTES, records(20), { recordsPerBatch: 5 })
    damage(built.lsns[16]!, 200, (byte) => byte ^ 0x01)
    const { labels, result } = recoverLabels()
    expect(labels).toHaveLength(16)
    expect(result.endLsn).toBe(built.lsns[16])
    // The valid record 17 of the torn batch was zeroed: it can never be read back.
    expect(recoverLabels().labels).toHaveLength(16)
  })
})

describe('corruption of synced data stops start-up', () => {
  it('a flipped bit mid-log names the file and offset', () => {
    const built = buildLog(directory.path, SEGMENT_BYTES, records(40), { recordsPerBatch: 2 })
    const lsn = built.lsns[10]!
    damage(lsn, 300, (byte) => byte ^ 0x80)
    const file = segmentPath(directory.path, Math.floor(lsn / SEGMENT_BYTES))
    expectQmqError(
      () => recoverLabels(),
      ErrorCode.JOURNAL_CORRUPT,
      file,
      `offset ${lsn % SEGMENT_BYTES}`,
    )
  })

  it('damage in an earlier segment while later segments hold records', () => {
    const built = buildLog(directory.path, SEGMENT_BYTES, records(150))
    damage(built.lsns[3]!, 100, (byte) => byte ^ 0x04)
    expectQmqError(() => recoverLabels(), ErrorCode.JOURNAL_CORRUPT, segmentPath(directory.path, 0))
  })

  it('a missing segment between the first and the last is named', () => {
    buildLog(directory.path, SEGMENT_BYTES, records(200))
    const missing = segmentPath(directory.path, 1)
    fs.unlinkSync(missing)
    expectQmqError(() => recoverLabels(), ErrorCode.JOURNAL_SEGMENT_MISSING, missing)
  })

  it('a zeroed record header inside a segment with later synced records', () => {
    const built = buildLog(directory.path, SEGMENT_BYTES, records(30), { recordsPerBatch: 1 })
    const lsn = built.lsns[5]!
    const file = segmentPath(directory.path, 0)
    const descriptor = fs.openSync(file, 'r+')
    fs.writeSync(descriptor, Buffer.alloc(40), 0, 40, lsn % SEGMENT_BYTES)
    fs.closeSync(descriptor)
    // Zeros look like the end of the log, but segment data goes on: the records after it are
    // lost unless we stop. Recovery must not silently drop 24 synced records.
    expect(() => recoverLabels()).toThrow()
  })
})
