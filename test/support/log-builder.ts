/**
 * Builds real journal files the way the journal worker does (same SegmentWriter, same placement
 * rules, real fdatasync), synchronously, so recovery tests can shape logs precisely.
 */
import { fileSegmentIo } from '../../src/actors/journal/file-segment-io.js'
import { placeRecord, SEAL_BYTES } from '../../src/actors/journal/log-geometry.js'
import { SegmentWriter } from '../../src/actors/journal/segment-writer.js'
import { MAX_BATCH_BYTES } from '../../src/constants.js'
import { RecordType, type JournalRecord } from '../../src/actors/journal/record-types.js'
import { encodeRecord, encodedRecordLength } from '../../src/actors/journal/journal-record.js'

export interface BuiltLog {
  /** LSN of each given record, in order. */
  readonly lsns: number[]
  readonly lengths: number[]
  readonly endLsn: number
}

export function buildLog(
  directory: string,
  segmentBytes: number,
  records: readonly JournalRecord[],
  options: { recordsPerBatch?: number; startLsn?: number; epoch?: number } = {},
): BuiltLog {
  const recordsPerBatch = options.recordsPerBatch ?? 4
  const startLsn = options.startLsn ?? 0
  const writer = new SegmentWriter(
    fileSegmentIo(directory, segmentBytes),
    segmentBytes,
    MAX_BATCH_BYTES,
    startLsn,
  )
  let nextLsn = startLsn
  const lsns: number[] = []
  const lengths: number[] = []
  const add = (record: JournalRecord, lsn: number, length: number): void => {
    const bytes = new Uint8Array(length)
    encodeRecord(bytes, 0, record, lsn, options.epoch ?? 1)
    if (!writer.canAccept(length)) writer.flush()
    writer.add(bytes, 0, length)
    if (record.type === RecordType.SEGMENT_SEAL) writer.flush()
  }
  for (const record of records) {
    const length = encodedRecordLength(record)
    const placement = placeRecord(nextLsn, length, segmentBytes)
    if (placement.seal !== undefined) add(placement.seal, placement.sealLsn, SEAL_BYTES)
    add(record, placement.lsn, length)
    lsns.push(placement.lsn)
    lengths.push(length)
    nextLsn = placement.lsn + length
    if (writer.pendingRecords >= recordsPerBatch) writer.flush()
  }
  if (writer.pendingRecords > 0) writer.flush()
  writer.close()
  return { lsns, lengths, endLsn: nextLsn }
}
