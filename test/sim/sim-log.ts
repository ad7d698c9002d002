/**
 * A member's journal in the simulator: REAL record bytes (src/actors/journal/journal-record.ts,
 * so LSNs, lengths, seals and CRC32C checksums are the real ones) kept as a list of records.
 * Each record knows where the next one starts (`end`): lsn + length, or a seal's nextLsn.
 *
 * Durability is the disk's business (sim-disk.ts); here a crash keeps the durable prefix, maybe
 * some unsynced records after it (the OS flushed them) and maybe tears the last one kept, and
 * recovery then reads the bytes back as the journal's recovery does: it stops at the first
 * record whose header does not check.
 */
import { assert } from '../../src/assert.js'
import { LOG_START_LSN } from '../../src/constants.js'
import {
  decodeRecord,
  encodeRecord,
  encodedRecordLength,
  finalizeRecord,
  readRecordHeader,
} from '../../src/actors/journal/journal-record.js'
import { placeRecord } from '../../src/actors/journal/log-geometry.js'
import { RecordType, type JournalRecord } from '../../src/actors/journal/record-types.js'
import type { EpochRun } from '../../src/replication/epoch-history.js'
import type { Prng } from './prng.js'

/** Small segments, so that seals (and their gaps) turn up in every run. */
export const SIM_SEGMENT_BYTES = 8 * 1024

export interface LogRecord {
  readonly lsn: number
  readonly end: number
  readonly epoch: number
  readonly type: number
  readonly checksum: number
  readonly bytes: Uint8Array
}

export function checksumOf(bytes: Uint8Array): number {
  return (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0
}

/** Encodes a record at `lsn` (checksum and batch LSN set later by seal()). */
export function encodeAt(record: JournalRecord, lsn: number, epoch: number): Uint8Array {
  const bytes = new Uint8Array(encodedRecordLength(record))
  encodeRecord(bytes, 0, record, lsn, epoch)
  return bytes
}

/** Reads records from `bytes` starting at `firstLsn`, checking each header (CRC, LSN). */
export function parseRecords(bytes: Uint8Array, firstLsn: number): LogRecord[] {
  const records: LogRecord[] = []
  let offset = 0
  let lsn = firstLsn
  while (offset < bytes.length) {
    const check = readRecordHeader(bytes, offset, bytes.length - offset, lsn)
    if (check.kind !== 'ok') break
    const header = check.header
    const recordBytes = bytes.slice(offset, offset + header.length)
    let end = lsn + header.length
    if (header.type === RecordType.SEGMENT_SEAL) {
      const seal = decodeRecord(recordBytes, 0, header)
      assert(seal.type === RecordType.SEGMENT_SEAL, 'a seal decodes as a seal')
      end = seal.nextLsn
    }
    const checksum = checksumOf(recordBytes)
    records.push({ lsn, end, epoch: header.epoch, type: header.type, checksum, bytes: recordBytes })
    offset += header.length
    lsn = end
  }
  return records
}

export class SimLog {
  records: LogRecord[] = []
  private readonly byLsn = new Map<number, LogRecord>()
  startLsn = LOG_START_LSN
  /** Records saved aside by truncations: never silently lost. */
  readonly cutAside: LogRecord[] = []

  get endLsn(): number {
    return this.records[this.records.length - 1]?.end ?? this.startLsn
  }

  get(lsn: number): LogRecord | undefined {
    return this.byLsn.get(lsn)
  }

  /**
   * Appends a record the local engine made, with a seal first if it would not fit the segment.
   * Returns the new records (seal included); bytes are sealed at flush time by seal().
   */
  appendLocal(record: JournalRecord, epoch: number): { lsn: number; added: LogRecord[] } {
    const length = encodedRecordLength(record)
    const placement = placeRecord(this.endLsn, length, SIM_SEGMENT_BYTES)
    const added: LogRecord[] = []
    if (placement.seal !== undefined) {
      const bytes = encodeAt(placement.seal, placement.sealLsn, epoch)
      added.push(this.push(placement.sealLsn, placement.lsn, epoch, RecordType.SEGMENT_SEAL, bytes))
    }
    const bytes = encodeAt(record, placement.lsn, epoch)
    added.push(this.push(placement.lsn, placement.lsn + length, epoch, record.type, bytes))
    return { lsn: placement.lsn, added }
  }

  /** Stamps batch LSN and checksum on records [fromLsn, end): their bytes are final. */
  seal(fromLsn: number): void {
    for (let index = this.indexOf(fromLsn); index < this.records.length; index++) {
      const record = this.records[index]!
      finalizeRecord(record.bytes, 0, fromLsn)
      const sealed = { ...record, checksum: checksumOf(record.bytes) }
      this.records[index] = sealed
      this.byLsn.set(record.lsn, sealed)
    }
  }

  /** Appends records received from the primary (verbatim bytes). */
  appendVerbatim(records: readonly LogRecord[]): void {
    for (const record of records) {
      assert(record.lsn === this.endLsn, 'verbatim records continue the log')
      this.records.push(record)
      this.byLsn.set(record.lsn, record)
    }
  }

  /** Cuts the log from `lsn`, saving the cut records aside. */
  truncateFrom(lsn: number): LogRecord[] {
    const index = this.indexOf(lsn)
    const cut = this.records.splice(index)
    for (const record of cut) this.byLsn.delete(record.lsn)
    this.cutAside.push(...cut)
    return cut
  }

  /** Drops everything: the log restarts at `lsn` (a checkpoint was installed). */
  resetTo(lsn: number): void {
    this.records = []
    this.byLsn.clear()
    this.startLsn = lsn
  }

  /** Records wholly in [fromLsn, endLsn). */
  range(fromLsn: number, endLsn: number): LogRecord[] {
    const index = this.indexOf(fromLsn)
    const out: LogRecord[] = []
    for (let at = index; at < this.records.length; at++) {
      const record = this.records[at]!
      if (record.lsn >= endLsn) break
      out.push(record)
    }
    return out
  }

  retireBelow(lsn: number): void {
    const index = this.indexOf(lsn)
    for (const record of this.records.slice(0, index)) this.byLsn.delete(record.lsn)
    this.records = this.records.slice(index)
    this.startLsn = lsn
  }

  /** The epoch history of the records held. */
  history(): EpochRun[] {
    const runs: EpochRun[] = []
    for (const record of this.records) {
      if (runs[runs.length - 1]?.epoch !== record.epoch) {
        runs.push({ epoch: record.epoch, startLsn: record.lsn })
      }
    }
    return runs
  }

  /** Index of the record at `lsn`, or of the first after it. */
  private indexOf(lsn: number): number {
    let low = 0
    let high = this.records.length
    while (low < high) {
      const middle = (low + high) >> 1
      if (this.records[middle]!.lsn < lsn) low = middle + 1
      else high = middle
    }
    return low
  }

  private push(
    lsn: number,
    end: number,
    epoch: number,
    type: number,
    bytes: Uint8Array,
  ): LogRecord {
    const record = { lsn, end, epoch, type, checksum: 0, bytes }
    this.records.push(record)
    this.byLsn.set(lsn, record)
    return record
  }

  /**
   * What survives a crash: every record below durableLsn; of the unsynced ones after it, a
   * random prefix, the last of which may be torn. Then recovery re-reads the bytes.
   */
  crashCopy(durableLsn: number, prng: Prng): SimLog {
    const survivors: Uint8Array[] = []
    let index = 0
    for (; index < this.records.length && this.records[index]!.end <= durableLsn; index++) {
      survivors.push(this.records[index]!.bytes)
    }
    const unsynced = this.records.length - index
    const kept = unsynced > 0 && prng.chance(0.5) ? prng.below(unsynced + 1) : 0
    for (let count = 0; count < kept; count++) survivors.push(this.records[index + count]!.bytes)
    if (kept > 0 && prng.chance(0.5)) {
      const torn = survivors[survivors.length - 1]!.slice()
      torn[prng.between(4, torn.length - 1)]! ^= 0xff
      survivors[survivors.length - 1] = torn
    }
    const copy = new SimLog()
    copy.startLsn = this.startLsn
    let lsn = this.startLsn
    for (const bytes of survivors) {
      const [record] = parseRecords(bytes, lsn)
      if (record === undefined) break
      copy.appendVerbatim([record])
      lsn = record.end
    }
    return copy
  }
}
