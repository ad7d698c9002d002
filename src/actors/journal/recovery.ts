/**
 * Log recovery: read the log from a starting LSN (the last checkpoint's), hand every record to the
 * caller, and find where the log ends. Runs on the main thread at start-up, before the journal
 * worker exists, so nothing else touches the files.
 *
 * How the end of the log is told apart from damage. At the first position p that does not hold a
 * valid record of this log, look further (same segment: records whose LSN equals their position;
 * later segments: their first record):
 *
 *   what is at p                 | what follows                        | outcome
 *   -----------------------------|-------------------------------------|---------------------------
 *   zeros, or a stale record     | nothing of this log                 | end of log
 *   (valid, but LSN is not p)    |                                     |
 *   anything bad                 | only records of p's own write batch | torn tail: zero the rest
 *                                |                                     | of the segment, report it
 *                                |                                     | (a batch is acked whole)
 *   anything bad, or zeros       | a record of a LATER batch           | corruption: stop, naming
 *                                | (batchLsn > p), or a later segment  | file, offset and LSN (p
 *                                | that holds records                  | had been synced)
 *   SEGMENT_SEAL                 |                                     | continue at next segment
 *   a segment missing between the first and the last                   | stop, naming the file
 *
 * Every read, and the zeroing of a torn tail, goes through SegmentIo (segment-io.ts), the same
 * interface the journal worker writes through, so recovery runs on the in-memory disk as well.
 */
import { QmqError, ErrorCode } from '../../errors.js'
import { assert } from '../../assert.js'
import type { JournalRecord, RecordHeader } from './record-types.js'
import { RecordType } from './record-types.js'
import { decodeRecord, readRecordHeader } from './journal-record.js'
import { RECORD_ALIGNMENT_BYTES, RECORD_HEADER_BYTES } from '../../constants.js'
import { fileSegmentIo } from './file-segment-io.js'
import { recordLength, recordLsn } from './record-header.js'
import type { SegmentIo } from './segment-io.js'

export interface TornTail {
  readonly file: string
  readonly offset: number
  readonly lsn: number
  readonly reason: string
}

export interface RecoveryResult {
  /** LSN where the next record goes. */
  readonly endLsn: number
  readonly recordCount: number
  readonly tornTail: TornTail | undefined
  /** Epoch of the last record replayed (0 if none): the journal must not write an older one. */
  readonly lastEpoch: number
}

export type RecordVisitor = (record: JournalRecord, header: RecordHeader) => void

interface ScanContext {
  readonly io: SegmentIo
  readonly segmentBytes: number
  readonly segments: readonly number[]
  readonly buffer: Buffer
  readonly visit: RecordVisitor
  recordCount: number
  lastEpoch: number
}

/** recoverSegments on the segment files of `directory`. */
export function recoverLog(
  directory: string,
  segmentBytes: number,
  fromLsn: number,
  visit: RecordVisitor,
): RecoveryResult {
  return recoverSegments(fileSegmentIo(directory, segmentBytes), segmentBytes, fromLsn, visit)
}

export function recoverSegments(
  io: SegmentIo,
  segmentBytes: number,
  fromLsn: number,
  visit: RecordVisitor,
): RecoveryResult {
  const segments = io.list()
  const first = Math.floor(fromLsn / segmentBytes)
  const last = segments.at(-1)
  if (last === undefined || last < first) {
    // Nothing written at or after fromLsn: legal only at a segment start (a seal, or a new log).
    assertNoGap(io, fromLsn, segmentBytes, segments)
    return { endLsn: fromLsn, recordCount: 0, tornTail: undefined, lastEpoch: 0 }
  }
  for (let index = first; index <= last; index++) {
    if (!segments.includes(index)) {
      const file = io.describe(index)
      throw new QmqError(ErrorCode.JOURNAL_SEGMENT_MISSING, `segment ${file} is missing`, {
        file,
        lsn: index * segmentBytes,
      })
    }
  }
  const context: ScanContext = {
    io,
    segmentBytes,
    segments,
    buffer: Buffer.allocUnsafe(segmentBytes),
    visit,
    recordCount: 0,
    lastEpoch: 0,
  }
  let lsn = fromLsn
  for (let index = first; index <= last; index++) {
    const outcome = scanSegment(context, index, lsn)
    if (outcome.kind === 'sealed') {
      lsn = outcome.nextLsn
      continue
    }
    const { recordCount, lastEpoch } = context
    return { endLsn: outcome.endLsn, recordCount, tornTail: outcome.tornTail, lastEpoch }
  }
  const { recordCount, lastEpoch } = context
  return { endLsn: lsn, recordCount, tornTail: undefined, lastEpoch }
}

function assertNoGap(
  io: SegmentIo,
  fromLsn: number,
  segmentBytes: number,
  segments: readonly number[],
): void {
  if (fromLsn === 0 || fromLsn % segmentBytes === 0) return
  const file = io.describe(Math.floor(fromLsn / segmentBytes))
  throw new QmqError(ErrorCode.JOURNAL_SEGMENT_MISSING, `segment ${file} is missing`, {
    file,
    lsn: fromLsn,
    segmentsPresent: segments.length,
  })
}

type SegmentOutcome =
  | { readonly kind: 'sealed'; readonly nextLsn: number }
  | { readonly kind: 'end'; readonly endLsn: number; readonly tornTail: TornTail | undefined }

function scanSegment(context: ScanContext, index: number, startLsn: number): SegmentOutcome {
  const { buffer, segmentBytes } = context
  const file = context.io.describe(index)
  const base = index * segmentBytes
  const size = readSegment(context.io, index, buffer)
  let offset = startLsn - base
  assert(offset >= 0 && offset < segmentBytes, 'start inside segment')
  while (offset < size) {
    const lsn = base + offset
    const check = readRecordHeader(buffer, offset, size - offset, lsn)
    if (check.kind !== 'ok') {
      const looksLikeEnd =
        check.kind === 'empty' || (check.kind === 'invalid' && check.reason === 'lsn')
      const reason = check.kind === 'empty' ? 'unwritten space' : `${check.reason}: ${check.detail}`
      const tornTail = classifyEnd(context, index, offset, size, reason, looksLikeEnd)
      return { kind: 'end', endLsn: lsn, tornTail }
    }
    const record = decodeRecord(buffer, offset, check.header)
    if (record.type === RecordType.SEGMENT_SEAL) {
      assert(record.nextLsn === base + segmentBytes, 'seal points at the next segment')
      return { kind: 'sealed', nextLsn: record.nextLsn }
    }
    context.recordCount++
    context.lastEpoch = check.header.epoch
    context.visit(record, check.header)
    offset += check.header.length
  }
  // A segment can only end through its seal; running off the end means a lost seal.
  throw corrupt(file, offset, base + offset, 'segment ends without a seal record')
}

function readSegment(io: SegmentIo, index: number, buffer: Buffer): number {
  const descriptor = io.open(index, false)
  try {
    return io.read(descriptor, buffer, 0, buffer.length, 0)
  } finally {
    io.close(descriptor)
  }
}

/**
 * The log stops at `offset` of segment `index`: decide between a clean end, a torn tail and
 * corruption (table at the top of this file). Records never cross segments and a batch ends at
 * a seal, so any record in a later segment was written in a later batch.
 */
function classifyEnd(
  context: ScanContext,
  index: number,
  offset: number,
  size: number,
  reason: string,
  looksLikeEnd: boolean,
): TornTail | undefined {
  const file = context.io.describe(index)
  const lsn = index * context.segmentBytes + offset
  if (context.segments.some((other) => other > index && segmentHasRecords(context, other))) {
    throw corrupt(file, offset, lsn, `${reason}; later segments hold records`)
  }
  const probe = probeForRecords(context, index, offset, size, lsn)
  if (probe.laterBatchOffset !== undefined) {
    throw corrupt(
      file,
      offset,
      lsn,
      `${reason}; a record written after it was synced follows at offset ${probe.laterBatchOffset}`,
    )
  }
  if (looksLikeEnd && !probe.sameBatchFound) return undefined
  zeroTail(context.io, index, offset, size)
  return { file, offset, lsn, reason }
}

/**
 * Looks past the end for valid records of this log (LSN equal to their position: stale bytes of
 * a recycled segment never match). One of a later batch means synced data was lost; one of the
 * same batch means the batch was torn (never acknowledged).
 */
function probeForRecords(
  context: ScanContext,
  index: number,
  offset: number,
  size: number,
  lsn: number,
): { laterBatchOffset: number | undefined; sameBatchFound: boolean } {
  const { buffer } = context
  const base = index * context.segmentBytes
  let sameBatchFound = false
  let probe = offset + RECORD_ALIGNMENT_BYTES
  while (probe + RECORD_HEADER_BYTES <= size) {
    // Unwritten space is zeros: skip whole zero windows with one native compare.
    if (probe % ZERO_WINDOW_BYTES === 0 && isZeroWindow(buffer, probe, size)) {
      probe += ZERO_WINDOW_BYTES
      continue
    }
    const at = probe
    probe += RECORD_ALIGNMENT_BYTES
    // Cheap filter before the checksum: the stored LSN must equal the position.
    if (recordLsn(buffer, at) !== base + at) continue
    const check = readRecordHeader(buffer, at, size - at, base + at)
    if (check.kind !== 'ok') continue
    if (check.header.batchLsn > lsn) return { laterBatchOffset: at, sameBatchFound }
    sameBatchFound = true
  }
  return { laterBatchOffset: undefined, sameBatchFound }
}

const ZERO_WINDOW_BYTES = 64 * 1024
const ZERO_WINDOW = Buffer.alloc(ZERO_WINDOW_BYTES)

function isZeroWindow(buffer: Buffer, at: number, size: number): boolean {
  if (at + ZERO_WINDOW_BYTES > size) return false
  return buffer.compare(ZERO_WINDOW, 0, ZERO_WINDOW_BYTES, at, at + ZERO_WINDOW_BYTES) === 0
}

/** True if the segment starts with a valid record of its own LSN (not zeros, not stale bytes). */
function segmentHasRecords(context: ScanContext, index: number): boolean {
  const lsn = index * context.segmentBytes
  const { io } = context
  const descriptor = io.open(index, false)
  try {
    const header = Buffer.alloc(RECORD_HEADER_BYTES)
    if (io.read(descriptor, header, 0, header.length, 0) < header.length) return false
    const length = recordLength(header, 0)
    if (length < RECORD_HEADER_BYTES || length > context.segmentBytes) return false
    const record = Buffer.alloc(length)
    const available = io.read(descriptor, record, 0, length, 0)
    return readRecordHeader(record, 0, available, lsn).kind === 'ok'
  } finally {
    io.close(descriptor)
  }
}

/** Zero from the damage to the end so no fragment of the torn batch can ever be read back. */
function zeroTail(io: SegmentIo, index: number, offset: number, size: number): void {
  const descriptor = io.open(index, false)
  try {
    io.truncate(descriptor, offset, size)
    io.fdatasync(descriptor)
  } finally {
    io.close(descriptor)
  }
}

function corrupt(file: string, offset: number, lsn: number, reason: string): QmqError {
  return new QmqError(
    ErrorCode.JOURNAL_CORRUPT,
    `journal corrupt in ${file} at offset ${offset} (LSN ${lsn}): ${reason}`,
    { file, offset, lsn, reason },
  )
}
