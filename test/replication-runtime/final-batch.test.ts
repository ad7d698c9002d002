/**
 * The journal's hook for replication: each local batch is handed over once final (batchLsn and
 * checksums stamped) and before it is written and synced; verbatim (follower) batches are
 * flagged so the replication worker never reports them as local appends.
 */
import { describe, expect, it } from 'vitest'
import {
  encodeRecord,
  encodedRecordLength,
  readRecordHeader,
} from '../../src/actors/journal/journal-record.js'
import { MemorySegmentIo } from '../../src/actors/journal/memory-segment-io.js'
import { recordBatchLsn, recordLength } from '../../src/actors/journal/record-header.js'
import { SegmentWriter } from '../../src/actors/journal/segment-writer.js'
import { MIN_SEGMENT_BYTES } from '../../src/constants.js'
import { putRecord } from '../support/records.js'

function encoded(label: string, lsn: number): Uint8Array {
  const record = putRecord(label)
  const bytes = new Uint8Array(encodedRecordLength(record))
  encodeRecord(bytes, 0, record, lsn, 3)
  return bytes
}

describe('final batch hook', () => {
  it('sees each local batch final and before its write and fdatasync', () => {
    const io = new MemorySegmentIo(MIN_SEGMENT_BYTES)
    const calls: string[] = []
    const traced = {
      ...io,
      list: () => io.list(),
      open: (index: number, create: boolean) => io.open(index, create),
      read: io.read.bind(io),
      truncate: io.truncate.bind(io),
      close: io.close.bind(io),
      describe: io.describe.bind(io),
      write: (...args: Parameters<MemorySegmentIo['write']>) => {
        calls.push('write')
        io.write(...args)
      },
      fdatasync: (descriptor: number) => {
        calls.push('fdatasync')
        io.fdatasync(descriptor)
      },
    }
    const writer = new SegmentWriter(traced, MIN_SEGMENT_BYTES, 64 * 1024, 64)
    const batches: { bytes: Uint8Array; verbatim: boolean; first: number }[] = []
    writer.onFinalBatch = (batch, length, first, verbatim) => {
      calls.push('final')
      batches.push({ bytes: batch.slice(0, length), verbatim, first })
    }
    const first = encoded('one', 64)
    const second = encoded('two', 64 + first.length)
    writer.add(first, 0, first.length)
    writer.add(second, 0, second.length)
    writer.flush()
    expect(calls).toEqual(['final', 'write', 'fdatasync'])
    const [batch] = batches
    expect(batch!.verbatim).toBe(false)
    expect(batch!.first).toBe(64)
    // Final: every record carries the batch's first LSN and a checksum that verifies.
    for (let offset = 0, lsn = 64; offset < batch!.bytes.length;) {
      const length = recordLength(batch!.bytes, offset)
      expect(recordBatchLsn(batch!.bytes, offset)).toBe(64)
      expect(readRecordHeader(batch!.bytes, offset, length, lsn).kind).toBe('ok')
      offset += length
      lsn += length
    }
    // A follower's batch (the same final bytes, written verbatim) is flagged as such.
    const follower = new SegmentWriter(
      new MemorySegmentIo(MIN_SEGMENT_BYTES),
      MIN_SEGMENT_BYTES,
      64 * 1024,
      64,
    )
    follower.onFinalBatch = (_batch, _length, _first, verbatim) =>
      batches.push({ bytes: new Uint8Array(), verbatim, first: 0 })
    follower.addVerbatim(batch!.bytes, 0, recordLength(batch!.bytes, 0))
    follower.flush()
    expect(batches[1]!.verbatim).toBe(true)
  })
})
