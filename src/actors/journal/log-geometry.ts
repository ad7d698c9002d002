/**
 * Where records go in the log. Pure arithmetic shared by the journal handle (which places live
 * records) and tests (which build logs): a record never crosses a segment end; when it would not
 * fit with room left for a seal, a SEGMENT_SEAL closes the segment and the record starts the next.
 */
import { assert } from '../../assert.js'
import { RecordType, type SegmentSealRecord } from './record-types.js'
import { encodedRecordLength } from './journal-record.js'

export const SEAL_BYTES = encodedRecordLength({ type: RecordType.SEGMENT_SEAL, nextLsn: 0 })

export interface Placement {
  /** A seal to write at `sealLsn` first, or undefined. */
  readonly seal: SegmentSealRecord | undefined
  readonly sealLsn: number
  /** The record's LSN. */
  readonly lsn: number
}

export function placeRecord(nextLsn: number, length: number, segmentBytes: number): Placement {
  assert(length + SEAL_BYTES <= segmentBytes, 'record fits a segment with its seal')
  const segmentEnd = (Math.floor(nextLsn / segmentBytes) + 1) * segmentBytes
  if (nextLsn + length + SEAL_BYTES <= segmentEnd) {
    return { seal: undefined, sealLsn: -1, lsn: nextLsn }
  }
  return {
    seal: { type: RecordType.SEGMENT_SEAL, nextLsn: segmentEnd },
    sealLsn: nextLsn,
    lsn: segmentEnd,
  }
}
