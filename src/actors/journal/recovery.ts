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
 */
import fs from 'node:fs'
import { QmqError, ErrorCode } from '../../errors.js'
import { assert } from '../../assert.js'
import type { JournalRecord, RecordHeader } from './record-types.js'
import { RecordType } from './record-types.js'
import { decodeRecord, readRecordHeader } from './journal-record.js'
import { RECORD_ALIGNMENT_BYTES, RECORD_HEADER_BYTES } from '../../constants.js'
import { listSegments, readFully, segmentPath, writeFully } from './segment-files.js'

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
}

export type RecordVisitor = (record: JournalRecord, header: RecordHeader) => void

interface ScanContext {
  readonly directory: string
  readonly segmentBytes: number
  readonly segments: readonly number[]
  readonly buffer: Buffer
  readonly visit: RecordVisitor
  recordCount: number
}

export function recoverLog(
  directory: string,
  segmentBytes: number,
  fromLsn: number,
  visit: RecordVisitor,
): RecoveryResult {
  const { segments } = listSegments(directory)
  const first = Math.floor(fromLsn / segmentBytes)
  const last = segments.at(-1)
  if (last === undefined || last < first) {
    // Nothing written at or after fromLsn: legal only at a segment start (a seal, or a new log).
    assertNoGap(directory, fromLsn, segmentBytes, segments)
    return { endLsn: fromLsn, recordCount: 0, tornTail: undefined }
  }
  for (let index = first; index <= last; index++) {
    if (!segments.includes(index)) {
      throw new QmqError(
        ErrorCode.JOURNAL_SEGMENT_MISSING,
        `segment ${segmentPath(directory, index)} is missing`,
        {
          file: segmentPath(directory, index),
          lsn: index * segmentBytes,
        },
      )
    }
  }
  const context: ScanContext = {
    directory,
    segmentBytes,
    segments,
    buffer: Buffer.allocUnsafe(segmentBytes),
    visit,
    recordCount: 0,
  }
  let lsn = fromLsn
  for (let index = first; index <= last; index++) {
    const outcome = scanSegment(context, index, lsn)
    if (outcome.kind === 'sealed') {
      lsn = outcome.nextLsn
      continue
    }
    return { endLsn: outcome.endLsn, recordCount: context.recordCount, tornTail: outcome.tornTail }
  }
  return { endLsn: lsn, recordCount: context.recordCount, tornTail: undefined }
}

function assertNoGap(
  directory: string,
  fromLsn: number,
  segmentBytes: number,
  segments: readonly number[],
): void {
  if (fromLsn === 0 || fromLsn % segmentBytes === 0) return
  const file = segmentPath(directory, Math.floor(fromLsn / segmentBytes))
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
  const file = segmentPath(context.directory, index)
  const base = index * segmentBytes
  const size = readSegment(file, buffer, segmentBytes)
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
    context.visit(record, check.header)
    offset += check.header.length
  }
  // A segment can only end through its seal; running off the end means a lost seal.
  throw corrupt(file, offset, base + offset, 'segment ends without a seal record')
}

function readSegment(file: string, buffer: Buffer, segmentBytes: number): number {
  const descriptor = fs.openSync(file, 'r')
  try {
    return readFully(descriptor, buffer, 0, segmentBytes, 0)
  } finally {
    fs.closeSync(descriptor)
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
  const file = segmentPath(context.directory, index)
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
  zeroTail(file, offset, size)
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
    const storedLsn = buffer.readUInt32LE(at + 8) + buffer.readUInt32LE(at + 12) * 2 ** 32
    if (storedLsn !== base + at) continue
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
  const descriptor = fs.openSync(segmentPath(context.directory, index), 'r')
  try {
    const header = Buffer.alloc(RECORD_HEADER_BYTES)
    if (readFully(descriptor, header, 0, header.length, 0) < header.length) return false
    const length = header.readUInt32LE(4)
    if (length < RECORD_HEADER_BYTES || length > context.segmentBytes) return false
    const record = Buffer.alloc(length)
    const available = readFully(descriptor, record, 0, length, 0)
    return readRecordHeader(record, 0, available, lsn).kind === 'ok'
  } finally {
    fs.closeSync(descriptor)
  }
}

/** Zero from the damage to the end so no fragment of the torn batch can ever be read back. */
function zeroTail(file: string, offset: number, size: number): void {
  const descriptor = fs.openSync(file, 'r+')
  try {
    const zeros = Buffer.alloc(Math.min(1024 * 1024, size - offset))
    for (let position = offset; position < size; position += zeros.length) {
      writeFully(descriptor, zeros, 0, Math.min(zeros.length, size - position), position)
    }
    fs.fdatasyncSync(descriptor)
  } finally {
    fs.closeSync(descriptor)
  }
}

function corrupt(file: string, offset: number, lsn: number, reason: string): QmqError {
  return new QmqError(
    ErrorCode.JOURNAL_CORRUPT,
    `journal corrupt in ${file} at offset ${offset} (LSN ${lsn}): ${reason}`,
    { file, offset, lsn, reason },
  )
}
