/**
 * The sender's log source: ranges by LSN from the segment files (seal gaps included) and from the
 * cache of final batches, records taken back out of an APPEND payload, and the split of a large
 * range into APPEND parts of at most MAX_REPLICATION_APPEND_BYTES at record boundaries.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { decodePutRecord } from '../../src/actors/journal/journal-record.js'
import { recordLength, recordLsn } from '../../src/actors/journal/record-header.js'
import { LogSource, recordsFrom } from '../../src/actors/replication/log-source.js'
import { MAX_REPLICATION_APPEND_BYTES, MIN_SEGMENT_BYTES } from '../../src/constants.js'
import { MessageType, type AppendRequest } from '../../src/replication/messages.js'
import { buildLog } from '../support/log-builder.js'
import { bodyLabel, putRecord } from '../support/records.js'
import { temporaryDirectory } from '../support/temporary-directory.js'

const SEGMENT = MIN_SEGMENT_BYTES

/** LSN and label of each PUT in back-to-back records. */
function labels(records: Uint8Array): { lsn: number; label: string }[] {
  const found: { lsn: number; label: string }[] = []
  for (let offset = 0; offset < records.length;) {
    const length = recordLength(records, offset)
    const lsn = recordLsn(records, offset)
    const bytes = records.subarray(offset, offset + length)
    if (length > 48) found.push({ lsn, label: bodyLabel(decodePutRecord(bytes, 0, length, lsn)) })
    offset += length
  }
  return found
}

function request(prevLsn: number, endLsn: number): AppendRequest {
  return {
    type: MessageType.APPEND,
    from: 'a',
    to: 'b',
    epoch: 1,
    prevLsn,
    prevEpoch: 0,
    endLsn,
    entriesEpoch: 1,
    commitLsn: 0,
  }
}

describe('LogSource', () => {
  let directory: ReturnType<typeof temporaryDirectory>
  beforeEach(() => (directory = temporaryDirectory('log-source')))
  afterEach(() => directory.remove())

  it('reads a range across segment seals from the files; recordsFrom gives every record once', () => {
    const puts = Array.from({ length: 300 }, (_, index) => putRecord(`m${index}`, 600))
    const log = buildLog(directory.path, SEGMENT, puts, { startLsn: 64 })
    expect(log.endLsn).toBeGreaterThan(2 * SEGMENT)
    const source = new LogSource(directory.path, SEGMENT, 1024 * 1024)
    const from = log.lsns[10]!
    const payload = source.read(from, log.endLsn)
    expect(payload.length).toBe(log.endLsn - from)
    const got = labels(recordsFrom(payload, from, from))
    expect(got.map((entry) => entry.label)).toEqual(puts.slice(10).map((_, i) => `m${i + 10}`))
    expect(got.map((entry) => entry.lsn)).toEqual(log.lsns.slice(10))
    // From a record inside the payload: only that record on.
    const later = labels(recordsFrom(payload, from, log.lsns[200]!))
    expect(later[0]).toEqual({ lsn: log.lsns[200], label: 'm200' })
    source.close()
  })

  it('serves cached batches as the files would, and forgets what a cut removed', () => {
    const puts = Array.from({ length: 40 }, (_, index) => putRecord(`c${index}`, 300))
    const log = buildLog(directory.path, SEGMENT, puts, { startLsn: 64 })
    const files = new LogSource(directory.path, SEGMENT, 1024 * 1024)
    const cached = new LogSource(`${directory.path}/nowhere`, SEGMENT, 1024 * 1024)
    cached.add(files.read(64, log.lsns[20]!))
    cached.add(files.read(log.lsns[20]!, log.endLsn))
    expect(cached.read(log.lsns[5]!, log.lsns[30]!)).toEqual(
      files.read(log.lsns[5]!, log.lsns[30]!),
    )
    // A range inside one cached batch (a live APPEND's) is a view of it, not a copy.
    const second = files.read(log.lsns[20]!, log.endLsn)
    const view = new LogSource(`${directory.path}/nowhere`, SEGMENT, 1024 * 1024)
    view.add(files.read(64, log.lsns[20]!))
    view.add(second)
    const inBatch = view.read(log.lsns[22]!, log.lsns[28]!)
    expect(inBatch.buffer).toBe(second.buffer)
    expect(inBatch).toEqual(files.read(log.lsns[22]!, log.lsns[28]!))
    // Across two batches: a copy, as before.
    expect(view.read(log.lsns[18]!, log.lsns[22]!).buffer).not.toBe(second.buffer)
    cached.truncateFrom(log.lsns[20]!)
    // The cut part is no longer cached: reading it goes to the (missing) files.
    expect(() => cached.read(log.lsns[25]!, log.lsns[30]!)).toThrow()
    files.close()
  })

  it('splits a range larger than one APPEND at record boundaries', () => {
    const puts = Array.from({ length: 2300 }, (_, index) => putRecord(`s${index}`, 4000))
    const segment = 4 * 1024 * 1024
    const log = buildLog(directory.path, segment, puts, { startLsn: 64, recordsPerBatch: 500 })
    expect(log.endLsn - 64).toBeGreaterThan(MAX_REPLICATION_APPEND_BYTES)
    const source = new LogSource(directory.path, segment, 1024 * 1024)
    const parts = source.appendParts({ ...request(64, log.endLsn), prevEpoch: 0 })
    expect(parts.length).toBeGreaterThan(1)
    let expected = 64
    const all: string[] = []
    for (const [index, part] of parts.entries()) {
      expect(part.prevLsn).toBe(expected)
      expect(part.prevEpoch).toBe(index === 0 ? 0 : 1)
      expect(part.payload.length).toBe(part.endLsn - part.prevLsn)
      expect(part.payload.length).toBeLessThanOrEqual(MAX_REPLICATION_APPEND_BYTES)
      all.push(...labels(recordsFrom(part.payload, part.prevLsn, part.prevLsn)).map((e) => e.label))
      expected = part.endLsn
    }
    expect(expected).toBe(log.endLsn)
    expect(all).toEqual(puts.map((_, index) => `s${index}`))
    source.close()
  })

  // A DR secondary catching up a backlog failed on this: the core cuts a long range at its
  // append limit, which falls inside a record; the shell must stop at the record before.
  it('stops a range the core cut at its limit at the last record end, or sends one record', () => {
    const puts = Array.from({ length: 40 }, (_, index) => putRecord(`c${index}`, 1000))
    const segment = 1024 * 1024
    const log = buildLog(directory.path, segment, puts, { startLsn: 64, recordsPerBatch: 10 })
    const source = new LogSource(directory.path, segment, 0)
    const cutInside = log.lsns[7]! + 100
    const [part, ...more] = source.appendParts({ ...request(64, cutInside), prevEpoch: 0 })
    expect(more).toEqual([])
    expect(part!.endLsn).toBe(log.lsns[7])
    expect(labels(recordsFrom(part!.payload, 64, 64)).map((e) => e.label)).toEqual(
      puts.slice(0, 7).map((_, index) => `c${index}`),
    )
    // A range shorter than its first record: that record, whole.
    const [single] = source.appendParts({ ...request(log.lsns[3]!, log.lsns[3]! + 10) })
    expect(single!.endLsn).toBe(log.lsns[4])
    expect(labels(recordsFrom(single!.payload, log.lsns[3]!, log.lsns[3]!))[0]!.label).toBe('c3')
    source.close()
  })

  it('refuses an APPEND payload with no record where its LSN says', () => {
    const payload = new Uint8Array(128)
    expect(() => recordsFrom(payload, 64, 64)).toThrow(/no record at LSN 64/)
  })
})
