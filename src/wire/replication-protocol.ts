/**
 * Replication link protocol, version 1: the frames replicas exchange over TCP (the messages of
 * src/replication/messages.ts, plus the link handshake). Encoding is size first: one field walk
 * validates and counts, a second writes into the caller's buffer. Decoding validates every field
 * (replication-fields.ts); the incremental parser is replication-frame-parser.ts, the handshake
 * decision replication-handshake.ts. Every fault is fatal to the link (replication-frame-error.ts).
 *
 * Frame header, little-endian like every field:
 * | off | width | field    | range                                                            |
 * |-----|-------|----------|------------------------------------------------------------------|
 * |   0 | 2     | magic    | ASCII 'QR' (0x51 0x52): not a client-protocol or HTTP peer       |
 * |   2 | u8    | version  | frame format version: 1 (REPLICATION_PROTOCOL_VERSION)           |
 * |   3 | u8    | type     | a FrameCode below; which end may send it is fixed per type       |
 * |   4 | u32   | length   | whole frame, header included: 16..MAX_REPLICATION_FRAME_BYTES    |
 * |     |       |          | (8 MiB + 64 KiB), and at most 16 + the type's largest payload    |
 * |   8 | u32   | checksum | CRC32C of bytes [0, 8) followed by bytes [12, length)            |
 * |  12 | u32   | reserved | 0                                                                |
 * |  16 | ...   | payload  | length - 16 bytes, laid out per type as below                    |
 *
 * The checksum covers the payload, record bytes included: TCP's 16-bit sum misses too much for a
 * log. The records inside an APPEND carry their own CRC32C too, which the receiving journal
 * verifies again before it writes them; the frame checksum also guards every other field.
 *
 * Payload notation: u8 u16 u32 little-endian; u64 = u32 low, u32 high, below 2^53; lsn = u64, a
 * multiple of 8 (RECORD_ALIGNMENT_BYTES) as journal LSNs are; epoch = u32, any value; bool = u8
 * 0 or 1; ascii16 = u16 byte count then printable ASCII (0x20..0x7E); text16 = u16 byte count
 * then well-formed UTF-8; bytes16 = u16 byte count then any bytes; history = u16 run count
 * 0..MAX_REPLICATION_HISTORY_RUNS (4096), then per run epoch u32, startLsn lsn, epochs strictly
 * ascending and startLsns not descending; tail = the rest of the frame, any bytes. Fields
 * follow each other with no padding, in the order listed; `zero32` is a reserved u32, 0.
 *
 * | code | type                | sent by  | payload                                             |
 * |------|---------------------|----------|-----------------------------------------------------|
 * | 0x01 | HELLO               | dialer   | minVersion u16 1.., maxVersion u16 >= minVersion,   |
 * |      |                     |          | queueManager ascii16 1..48, group ascii16 1..48,    |
 * |      |                     |          | fromNode ascii16 1..64, toNode ascii16 1..64,       |
 * |      |                     |          | authMechanism u8, auth bytes16 0..1 KiB             |
 * | 0x02 | HELLO_OK            | acceptor | version u16 1.., node ascii16 1..64, authMechanism  |
 * |      |                     |          | u8, auth bytes16 0..1 KiB                           |
 * | 0x03 | HELLO_REFUSED       | acceptor | reason u8 (RefusalReason 1..6), message text16      |
 * |      |                     |          | 0..1 KiB                                            |
 * | 0x04 | HELLO_PROOF         | dialer   | proof bytes16 0..1 KiB (HMAC_SHA256: 32 bytes)      |
 * | 0x10 | PRE_VOTE            | either   | epoch, lastEpoch epoch, endLsn lsn                  |
 * | 0x11 | PRE_VOTE_RESPONSE   | either   | epoch, granted bool                                 |
 * | 0x12 | VOTE                | either   | epoch, lastEpoch epoch, endLsn lsn, transfer bool   |
 * | 0x13 | VOTE_RESPONSE       | either   | epoch, granted bool                                 |
 * | 0x14 | TIMEOUT_NOW         | either   | epoch                                               |
 * | 0x20 | APPEND              | either   | prevLsn lsn, endLsn lsn >= prevLsn, commitLsn lsn,  |
 * |      |                     |          | epoch, prevEpoch epoch <= entriesEpoch, entriesEpoch|
 * |      |                     |          | epoch <= epoch, zero32, records tail of exactly     |
 * |      |                     |          | endLsn - prevLsn bytes, 0..MAX_REPLICATION_APPEND_  |
 * |      |                     |          | BYTES (8 MiB); 40 fixed bytes keep records 8-aligned|
 * | 0x21 | APPEND_RESPONSE     | either   | epoch, success bool, matchLsn lsn, verifiedLsn lsn, |
 * |      |                     |          | endLsn lsn, commitLsn lsn, history                  |
 * | 0x22 | HEARTBEAT           | either   | epoch, commitLsn lsn                                |
 * | 0x23 | HEARTBEAT_RESPONSE  | either   | epoch, matchLsn lsn, verifiedLsn lsn                |
 * | 0x30 | CHECKPOINT_CHUNK    | either   | epoch, zero32, lsn lsn, totalBytes u64, offset u64, |
 * |      |                     |          | history (every startLsn < lsn), chunk tail          |
 * |      |                     |          | 0..MAX_CHECKPOINT_CHUNK_BYTES (1 MiB), offset +     |
 * |      |                     |          | chunk <= totalBytes, empty only if totalBytes is 0  |
 * | 0x31 | CHECKPOINT_RESPONSE | either   | epoch, matchLsn lsn                                 |
 *
 * Conversation: the dialer's first frame is HELLO; the acceptor answers HELLO_OK with the
 * highest version both speak, or HELLO_REFUSED with its reason, and then closes. After HELLO_OK
 * both ends send replica messages in any order; a message's `from` and `to` are the link's two
 * node names, fixed by the handshake, so frames do not repeat them. With authMechanism 1
 * (HMAC_SHA256, src/security/link-auth.ts) HELLO's auth is the dialer's 32-byte challenge,
 * HELLO_OK's the acceptor's challenge then its 32-byte proof, and the dialer's next frame must
 * be HELLO_PROOF: the acceptor accepts no replica message before a valid one. The handshake
 * (not the decoder) refuses a mechanism it does not expect, so that peer learns why.
 *
 * A checkpoint travels as CHECKPOINT_CHUNK frames in offset order, each naming the checkpoint
 * (lsn, history) it belongs to, because the core's CheckpointMessage payload is opaque to it and
 * a checkpoint may be far larger than a frame; the receiving shell reassembles the bytes and
 * hands the core one CheckpointMessage once `offset + chunk = totalBytes`.
 */
import { Buffer } from 'node:buffer'
import { assert } from '../assert.js'
import { crc32c, crc32cAppend } from '../checksum/crc32c.js'
import { MAX_REPLICATION_FRAME_BYTES, REPLICATION_FRAME_HEADER_BYTES } from '../constants.js'
import { FieldReader, FieldWriter } from './replication-fields.js'
import { ReplicationFault, ReplicationFrameError } from './replication-frame-error.js'
import {
  LinkMessageType,
  REPLICATION_FRAME_MAGIC,
  REPLICATION_MIN_PROTOCOL_VERSION,
  REPLICATION_PROTOCOL_VERSION,
  type AnyCodec,
  type FrameCodec,
  type FrameOfTag,
  type HandshakeFrame,
  type LinkEnd,
  type LinkNames,
  type ReplicationFrame,
  type ReplicationFrameTag,
} from './replication-frames.js'
import { handshakeCodecs } from './replication-handshake-codecs.js'
import { replicaCodecs } from './replication-message-codecs.js'

export * from './replication-frames.js'
export {
  ReplicationFault,
  ReplicationFrameError,
  isReplicationFrameError,
} from './replication-frame-error.js'

const codecs: { readonly [T in ReplicationFrameTag]: FrameCodec<FrameOfTag<T>> } = {
  ...handshakeCodecs,
  ...replicaCodecs,
}

// Indexed by type byte. The cast is the one place per-type typing is given up: TypeScript cannot
// follow that codecs[f.type] and f belong together (a correlated union).
const codecByCode: readonly (AnyCodec | undefined)[] = (() => {
  const table = new Array<AnyCodec | undefined>(256).fill(undefined)
  for (const codec of Object.values(codecs) as AnyCodec[]) {
    assert(table[codec.code] === undefined, `frame code 0x${codec.code.toString(16)} is unique`)
    assert(codec.code > 0 && codec.code <= 0xff, 'frame codes are u8, 0 unused')
    table[codec.code] = codec
  }
  return table
})()

for (const codec of Object.values(codecs) as AnyCodec[]) {
  const limit = REPLICATION_FRAME_HEADER_BYTES + codec.maxPayloadBytes
  assert(limit <= MAX_REPLICATION_FRAME_BYTES, `${codec.name} fits a replication frame`)
}

function codecOf(frame: ReplicationFrame): AnyCodec {
  return codecs[frame.type] as unknown as AnyCodec
}

/** 'APPEND' for 0x20; the hex value for a byte that is no frame type. */
export function frameTypeName(code: number): string {
  return codecByCode[code]?.name ?? `0x${code.toString(16).padStart(2, '0')}`
}

/** Every frame type's code, by tag (tests and tools). */
export function frameCodeOf(tag: ReplicationFrameTag): number {
  return codecs[tag].code
}

/** The largest payload a frame type's fields can take (exact; tests hold it to that). */
export function maxPayloadBytesOf(tag: ReplicationFrameTag): number {
  return codecs[tag].maxPayloadBytes
}

export function isHandshakeFrame(frame: ReplicationFrame): frame is HandshakeFrame {
  return (
    frame.type === LinkMessageType.HELLO ||
    frame.type === LinkMessageType.HELLO_OK ||
    frame.type === LinkMessageType.HELLO_REFUSED ||
    frame.type === LinkMessageType.HELLO_PROOF
  )
}

// ---- Encoding ----

/** Validates the whole frame and returns its encoded size; throws ReplicationFrameError. */
export function measureReplicationFrame(frame: ReplicationFrame): number {
  const codec = codecOf(frame)
  const writer = new FieldWriter(codec.name, undefined, 0)
  codec.write(writer, frame)
  assert(writer.offset <= codec.maxPayloadBytes, 'a valid payload fits its type limit')
  return REPLICATION_FRAME_HEADER_BYTES + writer.offset
}

/**
 * Writes the frame at `offset` (all of it, or all but its tail when `copyTail` is false) and
 * stamps the checksum over the whole frame, tail included. Returns the end of what it wrote.
 */
function writeFrame(
  target: Buffer,
  offset: number,
  frame: ReplicationFrame,
  size: number,
  copyTail: boolean,
): number {
  const codec = codecOf(frame)
  target.writeUInt16LE(REPLICATION_FRAME_MAGIC, offset)
  target.writeUInt8(REPLICATION_PROTOCOL_VERSION, offset + 2)
  target.writeUInt8(codec.code, offset + 3)
  target.writeUInt32LE(size, offset + 4)
  target.writeUInt32LE(0, offset + 12)
  const start = offset + REPLICATION_FRAME_HEADER_BYTES
  const writer = new FieldWriter(codec.name, target, start, copyTail)
  codec.write(writer, frame)
  assert(writer.offset === offset + size, 'the writing pass writes what the counting pass counted')
  const tail = copyTail ? undefined : codec.tail?.(frame)
  const written = offset + size - (tail?.length ?? 0)
  let checksum = crc32cAppend(crc32c(target, offset, offset + 8), target, offset + 12, written)
  if (tail !== undefined) checksum = crc32cAppend(checksum, tail)
  target.writeUInt32LE(checksum, offset + 8)
  return written
}

/** One frame in a buffer of exactly its size. Throws ReplicationFrameError if invalid. */
export function encodeReplicationFrame(frame: ReplicationFrame): Buffer {
  const size = measureReplicationFrame(frame)
  // Every byte is written (header, fields, reserved zeros, no padding): unzeroed memory is safe.
  const buffer = Buffer.allocUnsafe(size)
  writeFrame(buffer, 0, frame, size, true)
  return buffer
}

/**
 * Writes one frame at `offset` and returns the offset just past it, or undefined (writing
 * nothing) when it does not fit in what is left of `target`. Throws ReplicationFrameError.
 */
export function encodeReplicationFrameInto(
  target: Buffer,
  offset: number,
  frame: ReplicationFrame,
): number | undefined {
  assert(Number.isInteger(offset) && offset >= 0, 'offset is a non-negative integer')
  assert(offset <= target.length, 'offset is inside the target')
  const size = measureReplicationFrame(frame)
  if (size > target.length - offset) return undefined
  return writeFrame(target, offset, frame, size, true)
}

/**
 * The frame without its tail (APPEND's records, a checkpoint chunk), checksum included: send it,
 * then `frameTail(frame)` from where those bytes already lie (socket.writev), so a batch from
 * the journal ring is never copied into a frame buffer.
 */
export function encodeReplicationFrameHead(frame: ReplicationFrame): Buffer {
  const size = measureReplicationFrame(frame)
  const headBytes = size - frameTail(frame).length
  const buffer = Buffer.allocUnsafe(headBytes)
  const written = writeFrame(buffer, 0, frame, size, false)
  assert(written === headBytes, 'the head is the frame without its tail')
  return buffer
}

const NO_TAIL = new Uint8Array(0)

export function frameTail(frame: ReplicationFrame): Uint8Array {
  return codecOf(frame).tail?.(frame) ?? NO_TAIL
}

// ---- Decoding: used by the parser once a whole frame is buffered ----

export interface ReplicationFrameHeader {
  readonly magic: number
  readonly version: number
  readonly code: number
  /** The whole frame's bytes, header included. */
  readonly length: number
  readonly checksum: number
  readonly reserved: number
}

export function readReplicationFrameHeader(source: Buffer, at: number): ReplicationFrameHeader {
  return {
    magic: source.readUInt16LE(at),
    version: source.readUInt8(at + 2),
    code: source.readUInt8(at + 3),
    length: source.readUInt32LE(at + 4),
    checksum: source.readUInt32LE(at + 8),
    reserved: source.readUInt32LE(at + 12),
  }
}

/** Where a reader stands: before the handshake completes, or bound to its two node names. */
export interface HeaderContext {
  /** The end that writes the frames being read. */
  readonly from: LinkEnd
  readonly bound: boolean
}

/** Checks a header before any of its payload is kept. */
export function checkReplicationFrameHeader(
  header: ReplicationFrameHeader,
  context: HeaderContext,
): ReplicationFrameError | undefined {
  const fault = (kind: ReplicationFault, field: string, detail: string): ReplicationFrameError =>
    new ReplicationFrameError(kind, `header.${field}`, detail)
  if (header.magic !== REPLICATION_FRAME_MAGIC) {
    const detail = `is 0x${header.magic.toString(16).padStart(4, '0')}, expected 0x5251 ('QR')`
    return fault(ReplicationFault.BAD_MAGIC, 'magic', detail)
  }
  const { version } = header
  if (version < REPLICATION_MIN_PROTOCOL_VERSION || version > REPLICATION_PROTOCOL_VERSION) {
    return fault(ReplicationFault.UNSUPPORTED_VERSION, 'version', `${version} is not spoken`)
  }
  if (
    header.length < REPLICATION_FRAME_HEADER_BYTES ||
    header.length > MAX_REPLICATION_FRAME_BYTES
  ) {
    const detail = `is ${header.length}, expected 16..${MAX_REPLICATION_FRAME_BYTES}`
    return fault(ReplicationFault.FRAME_LENGTH, 'length', detail)
  }
  if (header.reserved !== 0) return fault(ReplicationFault.RESERVED_NOT_ZERO, 'reserved', 'not 0')
  const codec = codecByCode[header.code]
  const name = frameTypeName(header.code)
  if (codec === undefined) return fault(ReplicationFault.UNKNOWN_TYPE, 'type', `${name} unknown`)
  const problem = phaseProblem(codec, context)
  if (problem !== undefined) return fault(ReplicationFault.OUT_OF_PHASE, 'type', problem)
  const payloadBytes = header.length - REPLICATION_FRAME_HEADER_BYTES
  if (payloadBytes > codec.maxPayloadBytes) {
    const detail = `gives ${name} ${payloadBytes} payload bytes, more than its ${codec.maxPayloadBytes}`
    return fault(ReplicationFault.PAYLOAD_TOO_LONG, 'length', detail)
  }
  return undefined
}

function phaseProblem(codec: AnyCodec, context: HeaderContext): string | undefined {
  if (codec.sentBy !== 'either' && codec.sentBy !== context.from) {
    return `${codec.name} is sent by the ${codec.sentBy}, not the ${context.from}`
  }
  const handshake = codec.sentBy !== 'either'
  if (handshake && context.bound) return `${codec.name} after the handshake`
  if (!handshake && !context.bound) return `${codec.name} before the handshake`
  return undefined
}

/** CRC32C as the header defines it, over a whole frame lying in `frame`. */
export function frameChecksum(frame: Buffer): number {
  return crc32cAppend(crc32c(frame, 0, 8), frame, 12, frame.length)
}

/**
 * Verifies and decodes a whole frame whose header passed checkReplicationFrameHeader. The tail
 * (APPEND's records, a checkpoint chunk) is a view into `frame`; everything else is copied or
 * decoded out of it. `names` fill the envelope of replica messages (ignored for handshakes).
 */
export function decodeReplicationFrameBody(
  header: ReplicationFrameHeader,
  frame: Buffer,
  names: LinkNames,
): ReplicationFrame | ReplicationFrameError {
  assert(frame.length === header.length, 'the buffer is exactly the frame')
  const codec = codecByCode[header.code]
  assert(codec !== undefined, 'the header was checked')
  const checksum = frameChecksum(frame)
  if (checksum !== header.checksum) {
    const detail = `is 0x${header.checksum.toString(16)}, computed 0x${checksum.toString(16)}`
    return new ReplicationFrameError(ReplicationFault.CHECKSUM, 'header.checksum', detail)
  }
  const reader = new FieldReader(frame.subarray(REPLICATION_FRAME_HEADER_BYTES), codec.name)
  try {
    const decoded = codec.read(reader, names)
    reader.finish()
    return decoded
  } catch (error) {
    if (error instanceof ReplicationFrameError) return error
    throw error
  }
}
