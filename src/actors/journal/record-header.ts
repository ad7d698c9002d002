/**
 * The 40-byte header every journal record starts with: offsets, widths, and the byte-level reads
 * and writes of its fields. The one place the header layout lives: the record codec
 * (journal-record.ts) writes and classifies headers with it, the segment writer stamps batchLsn
 * and the checksum with it, the journal loop reads a frame's LSN with it, and the replication
 * sender will read LSN, batchLsn and epoch with it.
 *
 * | offset | width | field         | meaning                                                  |
 * |--------|-------|---------------|----------------------------------------------------------|
 * |      0 | u32   | checksum      | CRC32C of bytes [4, length), padding included            |
 * |      4 | u32   | length        | total bytes with header and padding; a multiple of 8     |
 * |      8 | u64   | lsn           | the record's byte position in the log                    |
 * |     16 | u64   | batchLsn      | LSN of the first record of its group-commit batch        |
 * |     24 | u32   | epoch         | epoch of the writer                                      |
 * |     28 | u8    | type          | RecordType                                               |
 * |     29 | u8    | version       | payload layout, 1..RECORD_FORMAT_VERSION (per type)      |
 * |     30 | u16   | reserved      | 0                                                        |
 * |     32 | u32   | payloadLength | payload bytes; length = align8(40 + payloadLength)       |
 * |     36 | u32   | reserved      | 0                                                        |
 *
 * All integers little-endian. Fields are read and stamped in place by offset (the worker does,
 * per record, on its batch buffer) with the byte primitives of src/codec/layout.ts, which work
 * on any Uint8Array (a Buffer, a view of the SharedArrayBuffer ring) with no DataView per call;
 * a new header is written through the record codec's LayoutWriter (writeRecordHeader).
 */
import { assert } from '../../assert.js'
import { crc32c } from '../../checksum/crc32c.js'
import { RECORD_HEADER_BYTES } from '../../constants.js'
import { loadU32, storeU32, storeU64, type LayoutWriter } from '../../codec/layout.js'

/** The newest payload layout version; each record type's own version is in journal-record.ts. */
export const RECORD_FORMAT_VERSION = 3

export const HeaderOffset = {
  CHECKSUM: 0,
  LENGTH: 4,
  LSN: 8,
  BATCH_LSN: 16,
  EPOCH: 24,
  TYPE: 28,
  VERSION: 29,
  RESERVED_SHORT: 30,
  PAYLOAD_LENGTH: 32,
  RESERVED_WORD: 36,
} as const

/** Width in bytes of each header field, by the same names. */
export const HeaderWidth = {
  CHECKSUM: 4,
  LENGTH: 4,
  LSN: 8,
  BATCH_LSN: 8,
  EPOCH: 4,
  TYPE: 1,
  VERSION: 1,
  RESERVED_SHORT: 2,
  PAYLOAD_LENGTH: 4,
  RESERVED_WORD: 4,
} as const

assert(HeaderOffset.RESERVED_WORD + HeaderWidth.RESERVED_WORD === RECORD_HEADER_BYTES, '40 bytes')

/** High 32 bits of Number.MAX_SAFE_INTEGER: a u64 above this does not fit a JS number. */
const SAFE_HIGH_WORD_MAX = 0x1f_ffff
const WORD = 0x1_0000_0000

export const writeUint32 = storeU32
export const writeUint64 = storeU64
export const readUint32 = loadU32

/** A u64 as a number, or -1 above Number.MAX_SAFE_INTEGER (so every range check fails). */
export function readSafeUint64(source: Uint8Array, at: number): number {
  const high = readUint32(source, at + 4)
  if (high > SAFE_HIGH_WORD_MAX) return -1
  return high * WORD + readUint32(source, at)
}

/**
 * Writes a whole header at the writer's cursor, the header's first byte, with checksum 0 and
 * batchLsn 0 (sealRecordHeader sets both once the batch is known) and reserved bytes zeroed.
 * `version` is the layout version of this record's payload (journal-record.ts recordVersionOf).
 * One claim for the 40 bytes, then stores at the offsets above: a call per field costs the
 * append path measurably (bench/record-codec.bench.ts), a fixed block does not need one.
 */
export function writeRecordHeader(
  writer: LayoutWriter<Uint8Array>,
  length: number,
  lsn: number,
  epoch: number,
  type: number,
  version: number,
  payloadLength: number,
): void {
  const at = writer.claim(RECORD_HEADER_BYTES, 'header')
  const target = writer.target
  storeU32(target, at + HeaderOffset.CHECKSUM, 0)
  storeU32(target, at + HeaderOffset.LENGTH, length)
  storeU64(target, at + HeaderOffset.LSN, lsn)
  storeU64(target, at + HeaderOffset.BATCH_LSN, 0)
  storeU32(target, at + HeaderOffset.EPOCH, epoch)
  target[at + HeaderOffset.TYPE] = type
  target[at + HeaderOffset.VERSION] = version
  target[at + HeaderOffset.RESERVED_SHORT] = 0
  target[at + HeaderOffset.RESERVED_SHORT + 1] = 0
  storeU32(target, at + HeaderOffset.PAYLOAD_LENGTH, payloadLength)
  storeU32(target, at + HeaderOffset.RESERVED_WORD, 0)
}

export const recordLength = (source: Uint8Array, offset: number): number =>
  readUint32(source, offset + HeaderOffset.LENGTH)

export const recordLsn = (source: Uint8Array, offset: number): number =>
  readSafeUint64(source, offset + HeaderOffset.LSN)

export const recordBatchLsn = (source: Uint8Array, offset: number): number =>
  readSafeUint64(source, offset + HeaderOffset.BATCH_LSN)

export const recordEpoch = (source: Uint8Array, offset: number): number =>
  readUint32(source, offset + HeaderOffset.EPOCH)

export const recordType = (source: Uint8Array, offset: number): number =>
  source[offset + HeaderOffset.TYPE]!

export const recordVersion = (source: Uint8Array, offset: number): number =>
  source[offset + HeaderOffset.VERSION]!

export const recordPayloadLength = (source: Uint8Array, offset: number): number =>
  readUint32(source, offset + HeaderOffset.PAYLOAD_LENGTH)

export const storedChecksum = (source: Uint8Array, offset: number): number =>
  readUint32(source, offset + HeaderOffset.CHECKSUM)

/** CRC32C of the record's bytes after the checksum field: [4, length). */
export function computeChecksum(source: Uint8Array, offset: number, length: number): number {
  return crc32c(source, offset + HeaderOffset.LENGTH, offset + length)
}

/** Stores batchLsn, then the checksum over everything after the checksum field. */
export function sealRecordHeader(
  target: Uint8Array,
  offset: number,
  length: number,
  batchLsn: number,
): void {
  writeUint64(target, offset + HeaderOffset.BATCH_LSN, batchLsn)
  writeUint32(target, offset + HeaderOffset.CHECKSUM, computeChecksum(target, offset, length))
}
