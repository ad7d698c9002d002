/**
 * The journal's write side, without threads: takes encoded records in LSN order, fills a batch
 * buffer, writes it with one write() and one fdatasync, and reports the new durable end.
 * I/O goes through SegmentIo so tests can run it against a faulty in-memory disk.
 *
 * A batch never crosses a segment: it ends with the SEGMENT_SEAL record that closes a segment,
 * and the next batch opens the next segment. Every record in a batch gets the batch's first LSN
 * stamped as batchLsn and its checksum computed here, off the main thread.
 */
import { assert } from '../../assert.js'
import { RECORD_HEADER_BYTES } from '../../constants.js'
import { RecordType } from './record-types.js'
import { finalizeRecord } from './journal-record.js'

export interface SegmentIo {
  /** Opens segment `index` for writing, creating (preallocating) it if absent. */
  open(index: number): number
  write(descriptor: number, buffer: Uint8Array, length: number, position: number): void
  sync(descriptor: number): void
  close(descriptor: number): void
}

const LSN_OFFSET = 8
const LENGTH_OFFSET = 4
const TYPE_OFFSET = 28
/** SEGMENT_SEAL payload: nextLsn u64 right after the header (src/wire/journal-record.ts). */
const SEAL_NEXT_OFFSET = RECORD_HEADER_BYTES

/** Reads without a DataView: the source is the ring, and a view per record would allocate. */
function readUint32(bytes: Uint8Array, at: number): number {
  return (
    (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0
  )
}

export class SegmentWriter {
  private readonly batch: Buffer
  private readonly view: DataView
  private batchBytes = 0
  private batchFirstLsn = -1
  private batchRecords = 0
  private sealed = false
  private descriptor = -1
  private segmentIndex = -1

  constructor(
    private readonly io: SegmentIo,
    private readonly segmentBytes: number,
    batchCapacityBytes: number,
    /** LSN the next record must carry. */
    private nextLsn: number,
  ) {
    this.batch = Buffer.allocUnsafe(batchCapacityBytes)
    this.view = new DataView(this.batch.buffer, this.batch.byteOffset, this.batch.byteLength)
  }

  get expectedLsn(): number {
    return this.nextLsn
  }

  get pendingRecords(): number {
    return this.batchRecords
  }

  /** Room for a record of `length` bytes in the current batch (false once sealed). */
  canAccept(length: number): boolean {
    return !this.sealed && (this.batchBytes === 0 || this.batchBytes + length <= this.batch.length)
  }

  /** Copies one encoded record into the batch. Its LSN must be the next one in the log. */
  add(source: Uint8Array, offset: number, length: number): void {
    assert(this.canAccept(length), 'batch has room')
    assert(length >= RECORD_HEADER_BYTES && length <= this.batch.length, 'record length')
    const lsn =
      readUint32(source, offset + LSN_OFFSET) +
      readUint32(source, offset + LSN_OFFSET + 4) * 2 ** 32
    assert(lsn === this.nextLsn, `record LSN ${lsn} follows ${this.nextLsn}`)
    assert(readUint32(source, offset + LENGTH_OFFSET) === length, 'frame length = record length')
    if (this.batchRecords === 0) this.batchFirstLsn = lsn
    this.batch.set(source.subarray(offset, offset + length), this.batchBytes)
    this.batchBytes += length
    this.batchRecords++
    this.nextLsn += length
    if (source[offset + TYPE_OFFSET] === RecordType.SEGMENT_SEAL) {
      // The seal's payload is the next segment's first LSN: the log skips the unused rest.
      this.sealed = true
      this.nextLsn =
        readUint32(source, offset + SEAL_NEXT_OFFSET) +
        readUint32(source, offset + SEAL_NEXT_OFFSET + 4) * 2 ** 32
      assert(this.nextLsn % this.segmentBytes === 0, 'seal points at a segment start')
    }
  }

  /** Writes and syncs the batch; returns the new durable end LSN. */
  flush(): number {
    assert(this.batchRecords > 0, 'flush of an empty batch')
    const first = this.batchFirstLsn
    const index = Math.floor(first / this.segmentBytes)
    assert(first + this.batchBytes <= (index + 1) * this.segmentBytes, 'batch inside one segment')
    for (let position = 0; position < this.batchBytes;) {
      finalizeRecord(this.batch, position, first)
      position += this.view.getUint32(position + LENGTH_OFFSET, true)
    }
    const descriptor = this.segmentFor(index)
    this.io.write(descriptor, this.batch, this.batchBytes, first - index * this.segmentBytes)
    this.io.sync(descriptor)
    if (this.sealed) this.closeSegment()
    this.batchBytes = 0
    this.batchRecords = 0
    this.sealed = false
    return this.nextLsn
  }

  close(): void {
    assert(this.batchRecords === 0, 'close with an unflushed batch')
    this.closeSegment()
  }

  private segmentFor(index: number): number {
    if (this.segmentIndex !== index) {
      this.closeSegment()
      this.descriptor = this.io.open(index)
      this.segmentIndex = index
    }
    return this.descriptor
  }

  private closeSegment(): void {
    if (this.descriptor >= 0) this.io.close(this.descriptor)
    this.descriptor = -1
    this.segmentIndex = -1
  }
}
