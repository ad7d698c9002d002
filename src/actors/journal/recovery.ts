/**
 * Log recovery: read the log from a starting LSN (the last checkpoint's), hand every record to the
 * caller, and find where the log ends. Runs on the main thread at start-up, before the journal
 * worker exists, so nothing else touches the files.
 *
 * How the end of the log is told apart from damage:
 *
 *   what is found at LSN p                     | outcome
 *   -------------------------------------------|----------------------------------------------
 *   zeros, or a valid record whose LSN is not p | end of log (preallocated or recycled space)
 *   SEGMENT_SEAL                               | continue at the next segment
 *   a bad record, and nothing valid after it    | torn tail: zero the rest, log, carry on
 *     but records of its own write batch        |   (never acknowledged: a batch is acked whole)
 *   a bad record, and a valid record after it   | corruption: stop, naming file and offset
 *     written in a LATER batch (batchLsn > p)   |   (p had been synced before that batch)
 *   a missing segment between first and last    | stop, naming the missing file
 */
import fs from 'node:fs'
import { QmqError, ErrorCode } from '../../errors.js'
import { assert } from '../../assert.js'
import type { JournalRecord, RecordHeader } from '../../journal/record-types.js'
import { RecordType } from '../../journal/record-types.js'
import { decodeRecord, readRecordHeader } from '../../wire/journal-record.js'
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
      throw new QmqError(ErrorCode.JOURNAL_SEGMENT_MISSING, `segment ${segmentPath(directory, index)} is missing`, {
        file: segmentPath(directory, index),
        lsn: index * segmentBytes,
      })
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
    if (check.kind === 'empty' || (check.kind === 'invalid' && check.reason === 'lsn')) {
      assertNothingFollows(context, index, lsn, file)
      return { kind: 'end', endLsn: lsn, tornTail: undefined }
    }
    if (check.kind === 'invalid') {
      const tornTail = classifyDamage(context, index, offset, size, `${check.reason}: ${check.detail}`)
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
 * The log ends inside segment `index`. A later segment may exist, prepared ahead of need, but
 * it must not hold the record that would follow: that would mean lost records in between.
 */
function assertNothingFollows(context: ScanContext, index: number, lsn: number, file: string): void {
  const nextIndex = index + 1
  if (!context.segments.includes(nextIndex)) return
  if (segmentHasRecords(context, nextIndex)) {
    const offset = lsn - index * context.segmentBytes
    throw corrupt(file, offset, lsn, 'log continues in the next segment after a gap')
  }
}

function classifyDamage(
  context: ScanContext,
  index: number,
  offset: number,
  size: number,
  reason: string,
): TornTail {
  const file = segmentPath(context.directory, index)
  const lsn = index * context.segmentBytes + offset
  if (context.segments.some((other) => other > index && segmentHasRecords(context, other))) {
    throw corrupt(file, offset, lsn, `${reason}; later segments hold records`)
  }
  for (let probe = offset + RECORD_ALIGNMENT_BYTES; probe < size; probe += RECORD_ALIGNMENT_BYTES) {
    const probeLsn = index * context.segmentBytes + probe
    const check = readRecordHeader(context.buffer, probe, size - probe, probeLsn)
    if (check.kind === 'ok' && check.header.batchLsn > lsn) {
      throw corrupt(file, offset, lsn, `${reason}; a record written after it was synced follows at offset ${probe}`)
    }
  }
  zeroTail(file, offset, size)
  return { file, offset, lsn, reason }
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
