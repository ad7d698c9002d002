/**
 * The sender's view of the local log's bytes: recent batches in memory (final local batches from
 * the batch ring, and records written as a follower), the segment files for anything older. A
 * range [fromLsn, endLsn) is returned as exactly endLsn - fromLsn bytes, LSN for offset: the
 * unused tail of a segment after its SEGMENT_SEAL reads as whatever lies there and the receiver
 * skips it (it continues at the seal's next LSN), so the APPEND frame's "tail of exactly
 * endLsn - prevLsn bytes" holds across segment boundaries.
 *
 * The cache is one contiguous run of the log: a gap (a batch the journal dropped because the
 * ring was full) empties it, and the files serve until it fills again. Segment files are opened
 * read-only; the journal worker owns them.
 */
import fs from 'node:fs'
import { assert } from '../../assert.js'
import { MAX_REPLICATION_APPEND_BYTES, RECORD_HEADER_BYTES } from '../../constants.js'
import { ErrorCode, QmqError } from '../../errors.js'
import type { AppendMessage, AppendRequest } from '../../replication/messages.js'
import { sealNextLsn } from '../journal/journal-record.js'
import { recordLength, recordLsn, recordType } from '../journal/record-header.js'
import { RecordType } from '../journal/record-types.js'
import { segmentPath } from '../journal/segment-files.js'

interface CachedRun {
  readonly startLsn: number
  /** LSN after the last record (a seal's next LSN if the run ends with one). */
  readonly endLsn: number
  readonly bytes: Uint8Array
}

/** LSN of the record after the one at `offset` in `bytes`. */
function nextRecordLsn(bytes: Uint8Array, offset: number): number {
  if (recordType(bytes, offset) === RecordType.SEGMENT_SEAL) return sealNextLsn(bytes, offset)
  return recordLsn(bytes, offset) + recordLength(bytes, offset)
}

/** LSN after the last record of back-to-back records. */
export function endOfRecords(bytes: Uint8Array): number {
  let offset = 0
  let end = recordLsn(bytes, 0)
  while (offset < bytes.length) {
    const length = recordLength(bytes, offset)
    assert(length >= RECORD_HEADER_BYTES && offset + length <= bytes.length, 'whole records')
    end = nextRecordLsn(bytes, offset)
    offset += length
  }
  return end
}

/**
 * The records of an APPEND payload (laid out by LSN from `prevLsn`) from `fromLsn` on, back to
 * back as the journal's appendVerbatim takes them: seal gaps left out. Throws RECORD_INVALID on
 * a record whose header does not sit where its LSN says.
 */
export function recordsFrom(payload: Uint8Array, prevLsn: number, fromLsn: number): Uint8Array {
  const parts: Uint8Array[] = []
  let lsn = fromLsn
  let total = 0
  const end = prevLsn + payload.length
  while (lsn < end) {
    const offset = lsn - prevLsn
    const length = end - lsn >= RECORD_HEADER_BYTES ? recordLength(payload, offset) : 0
    if (
      length < RECORD_HEADER_BYTES ||
      offset + length > payload.length ||
      recordLsn(payload, offset) !== lsn
    ) {
      throw new QmqError(ErrorCode.RECORD_INVALID, `APPEND: no record at LSN ${lsn}`, { lsn })
    }
    parts.push(payload.subarray(offset, offset + length))
    total += length
    lsn = nextRecordLsn(payload, offset)
  }
  const records = new Uint8Array(total)
  let at = 0
  for (const part of parts) {
    records.set(part, at)
    at += part.length
  }
  return records
}

export class LogSource {
  private runs: CachedRun[] = []
  private cachedBytes = 0
  private readonly descriptors = new Map<number, number>()

  constructor(
    private readonly directory: string,
    private readonly segmentBytes: number,
    private readonly capacityBytes: number,
  ) {}

  /** Records [startLsn, end) were added to the log (a copy the caller will not reuse). */
  add(bytes: Uint8Array): { startLsn: number; endLsn: number } {
    const startLsn = recordLsn(bytes, 0)
    const endLsn = endOfRecords(bytes)
    const last = this.runs.at(-1)
    if (last !== undefined && last.endLsn !== startLsn) this.clear()
    this.runs.push({ startLsn, endLsn, bytes })
    this.cachedBytes += bytes.length
    while (this.cachedBytes > this.capacityBytes && this.runs.length > 1) {
      this.cachedBytes -= this.runs.shift()!.bytes.length
    }
    return { startLsn, endLsn }
  }

  /** The log was cut at `fromLsn`: nothing cached from there on is the log any more. */
  truncateFrom(fromLsn: number): void {
    const first = this.runs[0]
    if (first !== undefined && first.startLsn >= fromLsn) return this.clear()
    while ((this.runs.at(-1)?.endLsn ?? 0) > fromLsn) {
      this.cachedBytes -= this.runs.pop()!.bytes.length
    }
  }

  clear(): void {
    this.runs = []
    this.cachedBytes = 0
  }

  /**
   * Bytes [fromLsn, endLsn) of the log, by LSN; read-only (they may be a view of the cache).
   * A range inside one cached batch, as a live APPEND's is, is that view: no copy per peer.
   */
  read(fromLsn: number, endLsn: number): Uint8Array {
    for (let index = this.runs.length - 1; index >= 0; index--) {
      const run = this.runs[index]!
      if (run.startLsn > fromLsn) continue
      if (endLsn <= run.startLsn + run.bytes.length) {
        return run.bytes.subarray(fromLsn - run.startLsn, endLsn - run.startLsn)
      }
      break
    }
    const out = new Uint8Array(endLsn - fromLsn)
    if (out.length === 0) return out
    const first = this.runs[0]
    const last = this.runs.at(-1)
    const cached = first !== undefined && first.startLsn <= fromLsn && last!.endLsn >= endLsn
    if (!cached) this.readFiles(out, fromLsn, endLsn)
    for (const run of this.runs) {
      const from = Math.max(fromLsn, run.startLsn)
      const to = Math.min(endLsn, run.startLsn + run.bytes.length)
      if (from >= to) continue
      out.set(run.bytes.subarray(from - run.startLsn, to - run.startLsn), from - fromLsn)
    }
    return out
  }

  /**
   * The APPEND messages that carry `request`'s range: one, or several cut at record boundaries
   * so none carries more than MAX_REPLICATION_APPEND_BYTES (the core's ranges are not capped).
   * A later part's prevEpoch is the range's own epoch: a core range holds one epoch's records.
   * The core's endLsn is not always a record end: a range it cut at its append limit ends where
   * the limit fell, so the last part stops at the last record end at or below it (the peer's
   * answer tells the core where), and a record longer than the range is sent whole.
   */
  appendParts(request: AppendRequest): AppendMessage[] {
    const payload = this.read(request.prevLsn, request.endLsn)
    const parts: AppendMessage[] = []
    let partStart = request.prevLsn
    let lsn = partStart
    while (request.endLsn - lsn >= RECORD_HEADER_BYTES) {
      const next = nextRecordLsn(payload, lsn - request.prevLsn)
      if (next > request.endLsn) break
      if (next - partStart > MAX_REPLICATION_APPEND_BYTES) {
        assert(lsn > partStart, 'log source: a record fits an APPEND')
        parts.push(this.part(request, payload, partStart, lsn))
        partStart = lsn
      }
      lsn = next
    }
    if (lsn === request.endLsn && parts.length === 0) return [{ ...request, payload }]
    if (lsn === request.prevLsn) {
      // Not one whole record in the range: the first record alone.
      const whole = this.readRecord(lsn)
      return [{ ...request, endLsn: nextRecordLsn(whole, 0), payload: whole }]
    }
    parts.push(this.part(request, payload, partStart, lsn))
    return parts
  }

  /** One whole record at `lsn` (a checkpoint bundle's message bodies). */
  readRecord(lsn: number): Uint8Array {
    const length = recordLength(this.read(lsn, lsn + RECORD_HEADER_BYTES), 0)
    assert(length >= RECORD_HEADER_BYTES, 'log source: a record at the LSN asked for')
    return this.read(lsn, lsn + length)
  }

  /** Segments below `lsn` were retired: close their descriptors. */
  forgetBelow(lsn: number): void {
    const first = Math.floor(lsn / this.segmentBytes)
    for (const [index, descriptor] of this.descriptors) {
      if (index >= first) continue
      fs.closeSync(descriptor)
      this.descriptors.delete(index)
    }
  }

  close(): void {
    for (const descriptor of this.descriptors.values()) fs.closeSync(descriptor)
    this.descriptors.clear()
  }

  private part(request: AppendRequest, payload: Uint8Array, from: number, to: number) {
    const prevEpoch = from === request.prevLsn ? request.prevEpoch : request.entriesEpoch
    const bytes = payload.subarray(from - request.prevLsn, to - request.prevLsn)
    return { ...request, prevLsn: from, endLsn: to, prevEpoch, payload: bytes }
  }

  private readFiles(out: Uint8Array, fromLsn: number, endLsn: number): void {
    let lsn = fromLsn
    while (lsn < endLsn) {
      const index = Math.floor(lsn / this.segmentBytes)
      const segmentEnd = (index + 1) * this.segmentBytes
      const to = Math.min(endLsn, segmentEnd)
      const descriptor = this.descriptor(index)
      let done = 0
      const want = to - lsn
      while (done < want) {
        const position = lsn - index * this.segmentBytes + done
        const read = fs.readSync(descriptor, out, lsn - fromLsn + done, want - done, position)
        if (read === 0) break
        done += read
      }
      lsn = to
    }
  }

  private descriptor(index: number): number {
    let descriptor = this.descriptors.get(index)
    if (descriptor === undefined) {
      descriptor = fs.openSync(segmentPath(this.directory, index), 'r')
      this.descriptors.set(index, descriptor)
    }
    return descriptor
  }
}
