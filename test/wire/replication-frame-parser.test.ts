/**
 * Goal: each way a replication frame can be malformed is reported as the right fault naming the
 * field, every fault stops the parser for good (the link closes), the encoder refuses the same
 * values naming the same field and allocates nothing for them, every limit is exact, and the
 * handshake phase is enforced: handshake frames only before bind(), replica messages only after.
 * Method: hand-built or byte-patched frames at the offsets the module header documents, with the
 * checksum recomputed after a patch (so the decoder, not the checksum, judges the field), each
 * followed by a valid frame to show that nothing after a fault is parsed.
 */
import { afterEach, describe, expect, test, vi } from 'vitest'
import { crc32c, crc32cAppend } from '../../src/checksum/crc32c.js'
import {
  MAX_CHECKPOINT_CHUNK_BYTES,
  MAX_REPLICATION_APPEND_BYTES,
  MAX_REPLICATION_AUTH_BYTES,
  MAX_REPLICATION_FRAME_BYTES,
  MAX_REPLICATION_HISTORY_RUNS,
} from '../../src/constants.js'
import { ErrorCode } from '../../src/errors.js'
import { MessageType } from '../../src/replication/messages.js'
import {
  decodeReplicationFrame,
  ReplicationFrameParser,
} from '../../src/wire/replication-frame-parser.js'
import {
  encodeReplicationFrame,
  encodeReplicationFrameInto,
  frameCodeOf,
  isReplicationFrameError,
  LinkMessageType,
  maxPayloadBytesOf,
  measureReplicationFrame,
  ReplicationFault,
  ReplicationFrameError,
  type LinkEnd,
  type ReplicationFrame,
  type ReplicationFrameTag,
} from '../../src/wire/replication-protocol.js'
import {
  comparable,
  goldenCases,
  isHandshakeTag,
  NAMES,
  parsePieces,
} from './replication-fixtures.js'

afterEach(() => {
  vi.restoreAllMocks()
})

const golden = (name: string): ReplicationFrame =>
  goldenCases.find((golden) => golden.name === name)!.frame
const HELLO = golden('hello')
const APPEND = golden('append-records') as Extract<ReplicationFrame, { type: 'append' }>
const HEARTBEAT = golden('heartbeat')
const APPEND_RESPONSE = golden('append-response-refused')
const CHUNK = golden('checkpoint-chunk') as Extract<ReplicationFrame, { type: 'checkpointChunk' }>

/** Stamps the header checksum over the frame as it now is. */
function stamp(frame: Buffer): Buffer {
  frame.writeUInt32LE(crc32cAppend(crc32c(frame, 0, 8), frame, 12, frame.length), 8)
  return frame
}

interface RawOptions {
  readonly magic?: number
  readonly version?: number
  readonly length?: number
  readonly reserved?: number
}

function rawFrame(code: number, payload: Iterable<number>, options: RawOptions = {}): Buffer {
  const body = Buffer.from([...payload])
  const header = Buffer.alloc(16)
  header.writeUInt16LE(options.magic ?? 0x5251, 0)
  header.writeUInt8(options.version ?? 1, 2)
  header.writeUInt8(code, 3)
  header.writeUInt32LE(options.length ?? body.length + 16, 4)
  header.writeUInt32LE(options.reserved ?? 0, 12)
  return stamp(Buffer.concat([header, body]))
}

/** Encodes a valid frame, edits its payload in place, and stamps a matching checksum. */
function patched(frame: ReplicationFrame, patch: (payload: Buffer) => void): Buffer {
  const bytes = encodeReplicationFrame(frame)
  patch(bytes.subarray(16))
  return stamp(bytes)
}

/** Payload offsets of APPEND (module header): three lsn, three epochs, reserved, records. */
const AppendAt = { PREV_LSN: 0, END_LSN: 8, EPOCH: 24, ENTRIES_EPOCH: 32, RESERVED: 36 }

interface Malformed {
  readonly name: string
  readonly from?: LinkEnd
  /** Whether the reading parser is bound (replica phase); default: bound. */
  readonly bound?: boolean
  readonly bytes: Buffer
  readonly fault: ReplicationFault
  readonly field: string
}

const u16 = (value: number): number[] => [value & 0xff, value >> 8]

const malformed: readonly Malformed[] = [
  {
    name: 'a client-protocol frame (no QR magic)',
    bytes: Buffer.from('250000000100000001000000514d5131', 'hex'),
    fault: ReplicationFault.BAD_MAGIC,
    field: 'header.magic',
  },
  {
    name: 'version 2',
    bytes: rawFrame(0x22, Buffer.alloc(12), { version: 2 }),
    fault: ReplicationFault.UNSUPPORTED_VERSION,
    field: 'header.version',
  },
  {
    name: 'length below the header',
    bytes: rawFrame(0x22, [], { length: 15 }),
    fault: ReplicationFault.FRAME_LENGTH,
    field: 'header.length',
  },
  {
    name: 'length above MAX_REPLICATION_FRAME_BYTES',
    bytes: rawFrame(0x20, [], { length: MAX_REPLICATION_FRAME_BYTES + 1 }),
    fault: ReplicationFault.FRAME_LENGTH,
    field: 'header.length',
  },
  {
    name: 'reserved header word set',
    bytes: rawFrame(0x22, Buffer.alloc(12), { reserved: 1 }),
    fault: ReplicationFault.RESERVED_NOT_ZERO,
    field: 'header.reserved',
  },
  {
    name: 'unknown type',
    bytes: rawFrame(0x7f, []),
    fault: ReplicationFault.UNKNOWN_TYPE,
    field: 'header.type',
  },
  {
    name: 'HEARTBEAT longer than any HEARTBEAT can be',
    bytes: rawFrame(0x22, Buffer.alloc(13)),
    fault: ReplicationFault.PAYLOAD_TOO_LONG,
    field: 'header.length',
  },
  {
    name: 'APPEND longer than the largest batch',
    bytes: rawFrame(0x20, [], { length: 16 + 40 + MAX_REPLICATION_APPEND_BYTES + 1 }),
    fault: ReplicationFault.PAYLOAD_TOO_LONG,
    field: 'header.length',
  },
  {
    name: 'a flipped record byte (checksum no longer matches)',
    bytes: (() => {
      const bytes = encodeReplicationFrame(APPEND)
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0x01
      return bytes
    })(),
    fault: ReplicationFault.CHECKSUM,
    field: 'header.checksum',
  },
  {
    name: 'HELLO sent by an acceptor',
    from: 'acceptor',
    bound: false,
    bytes: encodeReplicationFrame(HELLO),
    fault: ReplicationFault.OUT_OF_PHASE,
    field: 'header.type',
  },
  {
    name: 'HELLO on a bound link',
    bytes: encodeReplicationFrame(HELLO),
    fault: ReplicationFault.OUT_OF_PHASE,
    field: 'header.type',
  },
  {
    name: 'APPEND before the handshake',
    bound: false,
    bytes: encodeReplicationFrame(APPEND),
    fault: ReplicationFault.OUT_OF_PHASE,
    field: 'header.type',
  },
  {
    name: 'HEARTBEAT cut short',
    bytes: rawFrame(0x22, Buffer.alloc(11)),
    fault: ReplicationFault.TRUNCATED,
    field: 'HEARTBEAT.commitLsn',
  },
  {
    name: 'APPEND prevLsn not a multiple of 8',
    bytes: patched(APPEND, (payload) => payload.writeUInt32LE(8193, AppendAt.PREV_LSN)),
    fault: ReplicationFault.VALUE_OUT_OF_RANGE,
    field: 'APPEND.prevLsn',
  },
  {
    name: 'APPEND endLsn at 2^53',
    bytes: patched(APPEND, (payload) => payload.writeUInt32LE(0x20_0000, AppendAt.END_LSN + 4)),
    fault: ReplicationFault.VALUE_OUT_OF_RANGE,
    field: 'APPEND.endLsn',
  },
  {
    name: 'APPEND whose records do not span [prevLsn, endLsn)',
    bytes: patched(APPEND, (payload) => payload.writeUInt32LE(8192 + 88, AppendAt.END_LSN)),
    fault: ReplicationFault.INCONSISTENT,
    field: 'APPEND.payload',
  },
  {
    name: 'APPEND endLsn below prevLsn',
    bytes: patched(APPEND, (payload) => payload.writeUInt32LE(8184, AppendAt.END_LSN)),
    fault: ReplicationFault.INCONSISTENT,
    field: 'APPEND.endLsn',
  },
  {
    name: 'APPEND entries from an epoch above the sender',
    bytes: patched(APPEND, (payload) => payload.writeUInt32LE(8, AppendAt.ENTRIES_EPOCH)),
    fault: ReplicationFault.INCONSISTENT,
    field: 'APPEND.entriesEpoch',
  },
  {
    name: 'APPEND reserved word set',
    bytes: patched(APPEND, (payload) => payload.writeUInt8(1, AppendAt.RESERVED)),
    fault: ReplicationFault.RESERVED_NOT_ZERO,
    field: 'APPEND.reserved',
  },
  {
    name: 'PRE_VOTE_RESPONSE granted 2',
    bytes: rawFrame(0x11, [7, 0, 0, 0, 2]),
    fault: ReplicationFault.VALUE_OUT_OF_RANGE,
    field: 'PRE_VOTE_RESPONSE.granted',
  },
  {
    name: 'APPEND_RESPONSE history whose epochs do not ascend',
    bytes: patched(APPEND_RESPONSE, (payload) => payload.writeUInt32LE(5, 39 + 12)),
    fault: ReplicationFault.INCONSISTENT,
    field: 'APPEND_RESPONSE.history',
  },
  {
    name: 'APPEND_RESPONSE history count beyond the frame',
    bytes: patched(APPEND_RESPONSE, (payload) => payload.writeUInt16LE(4000, 37)),
    fault: ReplicationFault.TRUNCATED,
    field: 'APPEND_RESPONSE.history',
  },
  {
    name: 'APPEND_RESPONSE history count above the limit',
    bytes: patched(APPEND_RESPONSE, (payload) =>
      payload.writeUInt16LE(MAX_REPLICATION_HISTORY_RUNS + 1, 37),
    ),
    fault: ReplicationFault.VALUE_OUT_OF_RANGE,
    field: 'APPEND_RESPONSE.history',
  },
  {
    name: 'APPEND_RESPONSE with a byte after its history',
    bytes: rawFrame(0x21, [...encodeReplicationFrame(APPEND_RESPONSE).subarray(16), 0]),
    fault: ReplicationFault.TRAILING_BYTES,
    field: 'APPEND_RESPONSE.payload',
  },
  {
    name: 'CHECKPOINT_CHUNK running past totalBytes',
    bytes: patched(CHUNK, (payload) => payload.writeUInt32LE(99, 16)),
    fault: ReplicationFault.INCONSISTENT,
    field: 'CHECKPOINT_CHUNK.chunk',
  },
  {
    name: 'CHECKPOINT_CHUNK history reaching its lsn',
    bytes: patched(CHUNK, (payload) => payload.writeUInt32LE(1_048_576, 32 + 2 + 12 + 4)),
    fault: ReplicationFault.INCONSISTENT,
    field: 'CHECKPOINT_CHUNK.history',
  },
  {
    name: 'HELLO with a non-ASCII queue manager name',
    from: 'dialer',
    bound: false,
    bytes: patched(HELLO, (payload) => payload.writeUInt8(0xc3, 6)),
    fault: ReplicationFault.INVALID_TEXT,
    field: 'HELLO.queueManager',
  },
  {
    name: 'HELLO with an empty sender node name',
    from: 'dialer',
    bound: false,
    bytes: rawFrame(0x01, [1, 0, 1, 0, ...u16(1), 0x51, ...u16(1), 0x47, ...u16(0)]),
    fault: ReplicationFault.LENGTH_OUT_OF_RANGE,
    field: 'HELLO.fromNode',
  },
  {
    name: 'HELLO maxVersion below minVersion',
    from: 'dialer',
    bound: false,
    bytes: patched(HELLO, (payload) => payload.writeUInt16LE(2, 0)),
    fault: ReplicationFault.VALUE_OUT_OF_RANGE,
    field: 'HELLO.maxVersion',
  },
  {
    name: 'HELLO_REFUSED with reason 0',
    from: 'acceptor',
    bound: false,
    bytes: rawFrame(0x03, [0, 0, 0]),
    fault: ReplicationFault.VALUE_OUT_OF_RANGE,
    field: 'HELLO_REFUSED.reason',
  },
  {
    name: 'HELLO_REFUSED with a message that is not UTF-8',
    from: 'acceptor',
    bound: false,
    bytes: rawFrame(0x03, [3, 2, 0, 0xc3, 0x28]),
    fault: ReplicationFault.INVALID_TEXT,
    field: 'HELLO_REFUSED.message',
  },
]

describe('malformed frames: the right fault, and the parser stops for good', () => {
  test.each(malformed)('$name', ({ from, bound, bytes, fault, field }) => {
    const names = bound === false ? undefined : NAMES
    const parser = new ReplicationFrameParser({ from: from ?? 'dialer', names })
    const after = encodeReplicationFrame(bound === false ? HELLO : HEARTBEAT)
    const { results } = parsePieces(parser, [bytes, after])
    expect(results).toHaveLength(1)
    const error = results[0] as ReplicationFrameError
    expect(isReplicationFrameError(error), String(error)).toBe(true)
    expect({ fault: error.fault, field: error.field }).toEqual({ fault, field })
    expect(error.code).toBe(ErrorCode.FRAME_INVALID)
    expect(parser.failure).toBe(error)
    expect(parser.bufferedBytes).toBe(0)
    parser.push(after)
    expect(parser.next()).toBeUndefined()
    expect(parser.bufferedBytes).toBe(0)
  })

  test('a header fault is reported before any of the frame body arrives', () => {
    const parser = new ReplicationFrameParser({ from: 'dialer', names: NAMES })
    parser.push(rawFrame(0x20, [], { length: MAX_REPLICATION_FRAME_BYTES + 1 }).subarray(0, 16))
    expect((parser.next() as ReplicationFrameError).fault).toBe(ReplicationFault.FRAME_LENGTH)
  })

  test('decodeReplicationFrame reports a buffer that is not exactly one frame', () => {
    const options = { from: 'dialer' as const, names: NAMES }
    const bytes = encodeReplicationFrame(HEARTBEAT)
    const short = decodeReplicationFrame(bytes.subarray(0, 20), options) as ReplicationFrameError
    expect([short.fault, short.field]).toEqual([ReplicationFault.TRUNCATED, 'frame'])
    const long = decodeReplicationFrame(Buffer.concat([bytes, Buffer.alloc(3)]), options)
    expect((long as ReplicationFrameError).fault).toBe(ReplicationFault.TRAILING_BYTES)
  })
})

interface InvalidValue {
  readonly name: string
  readonly frame: ReplicationFrame
  readonly field: string
  readonly fault: ReplicationFault
}

const invalidValues: readonly InvalidValue[] = [
  {
    name: 'an unaligned LSN',
    frame: { ...APPEND, commitLsn: 8193 },
    field: 'APPEND.commitLsn',
    fault: ReplicationFault.VALUE_OUT_OF_RANGE,
  },
  {
    name: 'records that do not span the range',
    frame: { ...APPEND, payload: APPEND.payload.subarray(0, 48) },
    field: 'APPEND.payload',
    fault: ReplicationFault.INCONSISTENT,
  },
  {
    name: 'an epoch beyond u32',
    frame: { ...HEARTBEAT, epoch: 2 ** 32 } as ReplicationFrame,
    field: 'HEARTBEAT.epoch',
    fault: ReplicationFault.VALUE_OUT_OF_RANGE,
  },
  {
    name: 'a fractional LSN',
    frame: { ...HEARTBEAT, commitLsn: 8.5 } as ReplicationFrame,
    field: 'HEARTBEAT.commitLsn',
    fault: ReplicationFault.VALUE_OUT_OF_RANGE,
  },
  {
    name: 'a history with a repeated epoch',
    frame: {
      ...APPEND_RESPONSE,
      history: [
        { epoch: 5, startLsn: 64 },
        { epoch: 5, startLsn: 128 },
      ],
    } as ReplicationFrame,
    field: 'APPEND_RESPONSE.history',
    fault: ReplicationFault.INCONSISTENT,
  },
  {
    name: 'a history longer than the limit',
    frame: {
      ...APPEND_RESPONSE,
      history: Array.from({ length: MAX_REPLICATION_HISTORY_RUNS + 1 }, (_, index) => ({
        epoch: index + 1,
        startLsn: 64,
      })),
    } as ReplicationFrame,
    field: 'APPEND_RESPONSE.history',
    fault: ReplicationFault.VALUE_OUT_OF_RANGE,
  },
  {
    name: 'a checkpoint chunk larger than MAX_CHECKPOINT_CHUNK_BYTES',
    frame: {
      ...CHUNK,
      totalBytes: 2 * MAX_CHECKPOINT_CHUNK_BYTES,
      offset: 0,
      chunk: new Uint8Array(MAX_CHECKPOINT_CHUNK_BYTES + 1),
    },
    field: 'CHECKPOINT_CHUNK.chunk',
    fault: ReplicationFault.LENGTH_OUT_OF_RANGE,
  },
  {
    name: 'a node name with a non-ASCII character',
    frame: { ...HELLO, fromNode: 'nœud' } as ReplicationFrame,
    field: 'HELLO.fromNode',
    fault: ReplicationFault.INVALID_TEXT,
  },
  {
    name: 'an empty group',
    frame: { ...HELLO, group: '' } as ReplicationFrame,
    field: 'HELLO.group',
    fault: ReplicationFault.LENGTH_OUT_OF_RANGE,
  },
  {
    name: 'an authentication section over its limit',
    frame: { ...HELLO, auth: new Uint8Array(MAX_REPLICATION_AUTH_BYTES + 1) } as ReplicationFrame,
    field: 'HELLO.auth',
    fault: ReplicationFault.LENGTH_OUT_OF_RANGE,
  },
  {
    name: 'a refusal message with a lone surrogate',
    frame: { type: LinkMessageType.HELLO_REFUSED, reason: 1, message: 'x \ud800' },
    field: 'HELLO_REFUSED.message',
    fault: ReplicationFault.INVALID_TEXT,
  },
]

describe('the encoder refuses what the decoder would refuse, naming the same field', () => {
  test.each(invalidValues)('$name', ({ frame, field, fault }) => {
    const allocate = vi.spyOn(Buffer, 'allocUnsafe')
    let thrown: unknown
    try {
      encodeReplicationFrame(frame)
    } catch (error) {
      thrown = error
    }
    // Validation runs in the counting pass, so an invalid frame allocates nothing.
    expect(allocate).not.toHaveBeenCalled()
    allocate.mockRestore()
    expect(isReplicationFrameError(thrown), String(thrown)).toBe(true)
    const error = thrown as ReplicationFrameError
    expect({ field: error.field, fault: error.fault }).toEqual({ field, fault })
    const target = Buffer.alloc(64, 0xa5)
    expect(() => encodeReplicationFrameInto(target, 0, frame)).toThrow(ReplicationFrameError)
    expect(target.every((byte) => byte === 0xa5)).toBe(true)
  })
})

/** The largest frame of each type, every variable field at its limit. */
function maximalFrame(tag: ReplicationFrameTag): ReplicationFrame {
  const runs = Array.from({ length: MAX_REPLICATION_HISTORY_RUNS }, (_, index) => ({
    epoch: index + 1,
    startLsn: 64 + 8 * index,
  }))
  const node = 'n'.repeat(64)
  const auth = new Uint8Array(MAX_REPLICATION_AUTH_BYTES)
  const maximal: Partial<Record<ReplicationFrameTag, ReplicationFrame>> = {
    hello: { ...(HELLO as object), queueManager: 'Q'.repeat(48), group: 'G'.repeat(48) } as never,
    helloOk: { type: 'helloOk', version: 1, node, authMechanism: 1, auth },
    helloRefused: { type: 'helloRefused', reason: 6, message: 'é'.repeat(512) },
    helloProof: { type: 'helloProof', proof: auth },
    append: {
      ...APPEND,
      prevLsn: 64,
      endLsn: 64 + MAX_REPLICATION_APPEND_BYTES,
      payload: new Uint8Array(MAX_REPLICATION_APPEND_BYTES),
    },
    appendResponse: { ...(APPEND_RESPONSE as object), history: runs } as never,
    checkpointChunk: {
      ...CHUNK,
      lsn: 2 ** 30,
      history: runs,
      totalBytes: MAX_CHECKPOINT_CHUNK_BYTES,
      offset: 0,
      chunk: new Uint8Array(MAX_CHECKPOINT_CHUNK_BYTES),
    },
  }
  if (tag === 'hello') {
    return {
      ...(maximal.hello as object),
      fromNode: node,
      toNode: node,
      authMechanism: 1,
      auth,
    } as never
  }
  return maximal[tag] ?? goldenCases.find((golden) => golden.frame.type === tag)!.frame
}

describe('limits are exact', () => {
  const tags = [...new Set(goldenCases.map((golden) => golden.frame.type))]
  test.each(tags)('%s: the maximal frame takes exactly the type limit and decodes', (tag) => {
    const frame = maximalFrame(tag)
    expect(measureReplicationFrame(frame) - 16).toBe(maxPayloadBytesOf(tag))
    const handshake = isHandshakeTag(tag)
    const fromDialer = tag === 'hello' || tag === 'helloProof' || !handshake
    const from: LinkEnd = fromDialer ? 'dialer' : 'acceptor'
    const bytes = encodeReplicationFrame(frame)
    const decoded = decodeReplicationFrame(bytes, { from, names: handshake ? undefined : NAMES })
    expect(isReplicationFrameError(decoded), String(decoded)).toBe(false)
    expect(frameCodeOf(tag)).toBe(bytes.readUInt8(3))
  })

  test('every frame fits MAX_REPLICATION_FRAME_BYTES, the largest APPEND included', () => {
    for (const tag of tags) {
      expect(16 + maxPayloadBytesOf(tag)).toBeLessThanOrEqual(MAX_REPLICATION_FRAME_BYTES)
    }
    expect(maxPayloadBytesOf(MessageType.APPEND)).toBe(40 + MAX_REPLICATION_APPEND_BYTES)
  })
})

describe('frames split across chunks', () => {
  test('a split APPEND is copied once, into a buffer of exactly the frame', () => {
    const frame = { ...APPEND }
    const bytes = encodeReplicationFrame(frame)
    const parser = new ReplicationFrameParser({ from: 'acceptor', names: NAMES })
    parser.push(bytes.subarray(0, 30))
    const allocate = vi.spyOn(Buffer, 'allocUnsafe')
    expect(parser.next()).toBeUndefined()
    parser.push(bytes.subarray(30, 100))
    expect(parser.next()).toBeUndefined()
    parser.push(bytes.subarray(100))
    const decoded = parser.next() as typeof APPEND
    expect(allocate.mock.calls).toEqual([[bytes.length]])
    allocate.mockRestore()
    expect(comparable(decoded)).toEqual(comparable(frame))
    // A copy: changing the pushed bytes does not change the decoded records.
    bytes.fill(0)
    expect(comparable(decoded)).toEqual(comparable(frame))
  })

  test('an unbound parser allocates at most a handshake frame, whatever the length says', () => {
    const parser = new ReplicationFrameParser({ from: 'dialer' })
    const header = rawFrame(0x20, [], { length: 16 + 40 + 1024 * 1024 }).subarray(0, 20)
    const allocate = vi.spyOn(Buffer, 'allocUnsafe')
    parser.push(header)
    expect((parser.next() as ReplicationFrameError).fault).toBe(ReplicationFault.OUT_OF_PHASE)
    expect(allocate).not.toHaveBeenCalled()
  })
})
