/**
 * Goal: each way a frame can be malformed is reported as the right fault, naming the field and
 * carrying the MQ reason a server answers with; the stream goes on after a skippable fault and
 * stops after a fatal one; the encoder refuses the same values; limits are exact; bodies are
 * views when a frame arrives whole and copied once when split.
 * Method: hand-built or byte-patched frames at the offsets the module header documents, each
 * followed by a valid PING to show whether the stream survived.
 */
import { afterEach, describe, expect, test, vi } from 'vitest'
import {
  MAX_CREDENTIALS_BYTES,
  MAX_MESSAGE_BYTES,
  MIN_CLIENT_PAYLOAD_LIMIT_BYTES,
} from '../../src/constants.js'
import { CompCode, ErrorCode, Reason } from '../../src/errors.js'
import { Persistence } from '../../src/queue/types.js'
import { decodeFrame, FrameParser } from '../../src/wire/client-frame-parser.js'
import {
  AuthMechanism,
  chooseVersion,
  encodeFrame,
  errorFrameFor,
  FrameError,
  FrameFault,
  isFrameError,
  maxPayloadBytesOf,
  measureFrame,
  Opcode,
  opcodeName,
  type ClientMessage,
  type HelloFrame,
  type Sender,
} from '../../src/wire/client-protocol.js'

afterEach(() => {
  vi.restoreAllMocks()
})

interface RawFrameOptions {
  readonly requestId?: number
  readonly flags?: number
  readonly reserved?: number
  /** Overrides the length field (otherwise 8 + payload length). */
  readonly length?: number
}

function rawFrame(
  opcode: number,
  payload: Iterable<number>,
  options: RawFrameOptions = {},
): Buffer {
  const body = Buffer.from([...payload])
  const header = Buffer.alloc(12)
  header.writeUInt32LE(options.length ?? body.length + 8, 0)
  header.writeUInt8(opcode, 4)
  header.writeUInt8(options.flags ?? 0, 5)
  header.writeUInt16LE(options.reserved ?? 0, 6)
  header.writeUInt32LE(options.requestId ?? 1, 8)
  return Buffer.concat([header, body])
}

/** Encodes a valid message, then edits its payload in place (offsets from the payload start). */
function patched(message: ClientMessage, patch: (payload: Buffer) => void): Buffer {
  const bytes = encodeFrame(message)
  patch(bytes.subarray(12))
  return bytes
}

const u16 = (value: number): number[] => [value & 0xff, value >> 8]
const ascii = (text: string): number[] => [...Buffer.from(text, 'latin1')]
const id = (fill: number): Uint8Array => new Uint8Array(24).fill(fill)

const PUT: ClientMessage = {
  type: Opcode.PUT,
  requestId: 40,
  handle: 3,
  options: {},
  body: Buffer.from('hello'),
}
const IDENTIFIED_GET: ClientMessage = {
  type: Opcode.GET,
  requestId: 41,
  handle: 3,
  options: { waitMs: 0, request: { client: new Uint8Array(16).fill(7), sequence: 1 } },
}
/** Payload offsets of PUT with no ids (module header: handle, put options, body). */
const PutAt = { PERSISTENCE: 4, PRIORITY: 5, EXPIRY: 6, FLAGS: 10, MSG_ID: 11, BODY: 19 }
const HELLO: HelloFrame = {
  type: Opcode.HELLO,
  requestId: 1,
  minVersion: 1,
  maxVersion: 2,
  queueManager: 'QM1',
  clientName: 'test',
  heartbeatMs: 0,
  authMechanism: AuthMechanism.NONE,
  credentials: new Uint8Array(0),
}
/** Payload offsets of HELLO above: magic, versions, 'QM1', 'test', heartbeat, mechanism. */
const HelloAt = { MAGIC: 0, MIN_VERSION: 4, MECHANISM: 23, CREDENTIALS: 24 }
const DESCRIPTOR = {
  msgId: id(1),
  correlId: id(2),
  persistent: true,
  priority: 5,
  expiry: -1,
  backoutCount: 0,
  putTimeMs: 1_700_000_000_000,
  format: 'MQSTR',
  replyToQueue: '',
  replyToQueueManager: '',
}
/** Payload offsets in a descriptor: two ids, persistent, priority, expiry, backouts, time. */
const DescriptorAt = { PERSISTENT: 48, PUT_TIME_HIGH: 62 }

interface Malformed {
  readonly name: string
  readonly from: Sender
  readonly bytes: Buffer
  readonly fault: FrameFault
  readonly field: string
  readonly reason?: number
  readonly fatal?: boolean
  /** The frame declares more bytes than follow, so the skip swallows the PING after it. */
  readonly swallowsRest?: boolean
}

const malformed: readonly Malformed[] = [
  {
    name: 'length below the header',
    from: 'client',
    bytes: rawFrame(Opcode.PING, [], { length: 7 }),
    fault: FrameFault.FRAME_LENGTH,
    field: 'header.length',
    reason: Reason.CONNECTION_BROKEN,
    fatal: true,
  },
  {
    name: 'flags set',
    from: 'client',
    bytes: rawFrame(Opcode.PING, [], { flags: 0x01 }),
    fault: FrameFault.RESERVED_NOT_ZERO,
    field: 'header.flags',
    fatal: true,
  },
  {
    name: 'request identity flag on an opcode that takes none',
    from: 'client',
    bytes: rawFrame(Opcode.BACKOUT, [], { flags: 0x01 }),
    fault: FrameFault.RESERVED_NOT_ZERO,
    field: 'header.flags',
    fatal: true,
  },
  {
    name: 'unknown flag bit on a PUT',
    from: 'client',
    bytes: rawFrame(Opcode.PUT, [], { flags: 0x02 }),
    fault: FrameFault.RESERVED_NOT_ZERO,
    field: 'header.flags',
    fatal: true,
  },
  {
    name: 'PUT flagged with a request identity but too short for one',
    from: 'client',
    bytes: rawFrame(Opcode.PUT, new Array<number>(20).fill(1), { flags: 0x01 }),
    fault: FrameFault.TRUNCATED,
    field: 'PUT.requestSequence',
  },
  {
    name: 'GET request sequence 0',
    from: 'client',
    bytes: patched(IDENTIFIED_GET, (payload) => payload.writeUInt32LE(0, 16)),
    fault: FrameFault.VALUE_OUT_OF_RANGE,
    field: 'GET.requestSequence',
  },
  {
    name: 'reserved set',
    from: 'server',
    bytes: rawFrame(Opcode.OK, [], { reserved: 0x0100 }),
    fault: FrameFault.RESERVED_NOT_ZERO,
    field: 'header.reserved',
    fatal: true,
  },
  {
    name: 'unknown opcode',
    from: 'client',
    bytes: rawFrame(0x40, [1, 2, 3]),
    fault: FrameFault.UNKNOWN_OPCODE,
    field: 'header.opcode',
  },
  {
    name: 'a reply sent by a client',
    from: 'client',
    bytes: rawFrame(Opcode.OK, []),
    fault: FrameFault.WRONG_SENDER,
    field: 'header.opcode',
  },
  {
    name: 'a request sent by a server',
    from: 'server',
    bytes: encodeFrame(PUT),
    fault: FrameFault.WRONG_SENDER,
    field: 'header.opcode',
  },
  {
    name: 'request id 0 on a request',
    from: 'client',
    bytes: rawFrame(Opcode.COMMIT, [], { requestId: 0 }),
    fault: FrameFault.VALUE_OUT_OF_RANGE,
    field: 'header.requestId',
  },
  {
    name: 'PUT longer than any PUT can be',
    from: 'client',
    bytes: rawFrame(Opcode.PUT, [], { length: 8 + maxPayloadBytesOf(Opcode.PUT) + 1 }),
    fault: FrameFault.PAYLOAD_TOO_LONG,
    field: 'header.length',
    reason: Reason.MSG_TOO_BIG_FOR_Q_MGR,
    swallowsRest: true,
  },
  {
    name: 'OPEN with a 49-byte queue name',
    from: 'client',
    bytes: rawFrame(Opcode.OPEN, [...u16(49), ...ascii('Q'.repeat(49)), 1]),
    fault: FrameFault.LENGTH_OUT_OF_RANGE,
    field: 'OPEN.queueName',
    reason: Reason.UNKNOWN_OBJECT_NAME,
  },
  {
    name: 'OPEN with an empty queue name',
    from: 'client',
    bytes: rawFrame(Opcode.OPEN, [...u16(0), 1]),
    fault: FrameFault.LENGTH_OUT_OF_RANGE,
    field: 'OPEN.queueName',
  },
  {
    name: 'OPEN with a non-ASCII queue name',
    from: 'client',
    bytes: rawFrame(Opcode.OPEN, [...u16(2), 0xc3, 0xa9, 1]),
    fault: FrameFault.INVALID_TEXT,
    field: 'OPEN.queueName',
  },
  {
    name: 'OPEN with an unknown option bit',
    from: 'client',
    bytes: rawFrame(Opcode.OPEN, [...u16(1), ...ascii('Q'), 0x09]),
    fault: FrameFault.UNKNOWN_FLAGS,
    field: 'OPEN.options',
    reason: Reason.OPTIONS_ERROR,
  },
  {
    name: 'PUT priority 10',
    from: 'client',
    bytes: patched(PUT, (payload) => payload.writeInt8(10, PutAt.PRIORITY)),
    fault: FrameFault.VALUE_OUT_OF_RANGE,
    field: 'PUT.priority',
    reason: Reason.PRIORITY_ERROR,
  },
  {
    name: 'PUT priority -2',
    from: 'client',
    bytes: patched(PUT, (payload) => payload.writeInt8(-2, PutAt.PRIORITY)),
    fault: FrameFault.VALUE_OUT_OF_RANGE,
    field: 'PUT.priority',
    reason: Reason.PRIORITY_ERROR,
  },
  {
    name: 'PUT persistence 3',
    from: 'client',
    bytes: patched(PUT, (payload) => payload.writeUInt8(3, PutAt.PERSISTENCE)),
    fault: FrameFault.VALUE_OUT_OF_RANGE,
    field: 'PUT.persistence',
    reason: Reason.PERSISTENCE_ERROR,
  },
  {
    name: 'PUT expiry 0',
    from: 'client',
    bytes: patched(PUT, (payload) => payload.writeInt32LE(0, PutAt.EXPIRY)),
    fault: FrameFault.VALUE_OUT_OF_RANGE,
    field: 'PUT.expiry',
    reason: Reason.EXPIRY_ERROR,
  },
  {
    name: 'PUT flags with an unknown bit',
    from: 'client',
    bytes: patched(PUT, (payload) => payload.writeUInt8(0x81, PutAt.FLAGS)),
    fault: FrameFault.UNKNOWN_FLAGS,
    field: 'PUT.flags',
  },
  {
    name: 'PUT msgId of 23 bytes',
    from: 'client',
    bytes: patched(PUT, (payload) => payload.writeUInt8(23, PutAt.MSG_ID)),
    fault: FrameFault.LENGTH_OUT_OF_RANGE,
    field: 'PUT.msgId',
    reason: Reason.MSG_ID_ERROR,
  },
  {
    name: 'PUT body length 0xFFFFFFFF',
    from: 'client',
    bytes: patched(PUT, (payload) => payload.writeUInt32LE(0xffffffff, PutAt.BODY)),
    fault: FrameFault.LENGTH_OUT_OF_RANGE,
    field: 'PUT.body',
    reason: Reason.MSG_TOO_BIG_FOR_Q_MGR,
  },
  {
    name: 'PUT body longer than its frame',
    from: 'client',
    bytes: patched(PUT, (payload) => payload.writeUInt32LE(6, PutAt.BODY)),
    fault: FrameFault.TRUNCATED,
    field: 'PUT.body',
  },
  {
    name: 'PUT with a byte after its body',
    from: 'client',
    bytes: rawFrame(Opcode.PUT, [...encodeFrame(PUT).subarray(12), 0], { requestId: 40 }),
    fault: FrameFault.TRAILING_BYTES,
    field: 'PUT.payload',
  },
  {
    name: 'GET browse mode 3',
    from: 'client',
    bytes: rawFrame(Opcode.GET, [1, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0]),
    fault: FrameFault.VALUE_OUT_OF_RANGE,
    field: 'GET.browse',
    reason: Reason.OPTIONS_ERROR,
  },
  {
    name: 'GET correlId of 25 bytes',
    from: 'client',
    bytes: rawFrame(Opcode.GET, [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 25, ...id(7), 7]),
    fault: FrameFault.LENGTH_OUT_OF_RANGE,
    field: 'GET.correlId',
  },
  {
    name: 'GET handle 0',
    from: 'client',
    bytes: rawFrame(Opcode.GET, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    fault: FrameFault.VALUE_OUT_OF_RANGE,
    field: 'GET.handle',
    reason: Reason.HOBJ_ERROR,
  },
  {
    name: 'HELLO with the wrong magic',
    from: 'client',
    bytes: patched(HELLO, (payload) => payload.write('AMQP', HelloAt.MAGIC, 'latin1')),
    fault: FrameFault.BAD_MAGIC,
    field: 'HELLO.magic',
  },
  {
    name: 'HELLO maxVersion below minVersion',
    from: 'client',
    bytes: patched(HELLO, (payload) => payload.writeUInt16LE(3, HelloAt.MIN_VERSION)),
    fault: FrameFault.VALUE_OUT_OF_RANGE,
    field: 'HELLO.maxVersion',
  },
  {
    name: 'HELLO with an unknown authentication mechanism',
    from: 'client',
    bytes: patched(HELLO, (payload) => payload.writeUInt8(2, HelloAt.MECHANISM)),
    fault: FrameFault.VALUE_OUT_OF_RANGE,
    field: 'HELLO.authMechanism',
    reason: Reason.NOT_AUTHORIZED,
  },
  {
    name: 'HELLO with credentials but no mechanism',
    from: 'client',
    bytes: rawFrame(Opcode.HELLO, [
      ...encodeFrame(HELLO).subarray(12, 12 + HelloAt.CREDENTIALS),
      ...u16(2),
      0xab,
      0xcd,
    ]),
    fault: FrameFault.LENGTH_OUT_OF_RANGE,
    field: 'HELLO.credentials',
    reason: Reason.NOT_AUTHORIZED,
  },
  {
    name: 'ADMIN command that is not UTF-8',
    from: 'client',
    bytes: rawFrame(Opcode.ADMIN, [3, 0, 0, 0, 0x44, 0xff, 0x45]),
    fault: FrameFault.INVALID_TEXT,
    field: 'ADMIN.command',
  },
  {
    name: 'ADMIN command with an encoded surrogate',
    from: 'client',
    bytes: rawFrame(Opcode.ADMIN, [3, 0, 0, 0, 0xed, 0xa0, 0x80]),
    fault: FrameFault.INVALID_TEXT,
    field: 'ADMIN.command',
  },
  {
    name: 'CANCEL of request 0',
    from: 'client',
    bytes: rawFrame(Opcode.CANCEL, [0, 0, 0, 0]),
    fault: FrameFault.VALUE_OUT_OF_RANGE,
    field: 'CANCEL.targetRequestId',
  },
  {
    name: 'CLOSE_HANDLE cut short',
    from: 'client',
    bytes: rawFrame(Opcode.CLOSE_HANDLE, [1, 0]),
    fault: FrameFault.TRUNCATED,
    field: 'CLOSE_HANDLE.handle',
  },
  {
    name: 'ERROR with compCode 0 (OK)',
    from: 'server',
    bytes: rawFrame(Opcode.ERROR, [0, 1, 0, 0, 0, 0, 0]),
    fault: FrameFault.VALUE_OUT_OF_RANGE,
    field: 'ERROR.compCode',
  },
  {
    name: 'ERROR with reason 0',
    from: 'server',
    bytes: rawFrame(Opcode.ERROR, [2, 0, 0, 0, 0, 0, 0]),
    fault: FrameFault.VALUE_OUT_OF_RANGE,
    field: 'ERROR.reason',
  },
  {
    name: 'PUT_OK descriptor persistent 2',
    from: 'server',
    bytes: patched({ type: Opcode.PUT_OK, requestId: 2, descriptor: DESCRIPTOR }, (payload) =>
      payload.writeUInt8(2, DescriptorAt.PERSISTENT),
    ),
    fault: FrameFault.VALUE_OUT_OF_RANGE,
    field: 'PUT_OK.descriptor.persistent',
  },
  {
    name: 'MESSAGE put time beyond 2^53',
    from: 'server',
    bytes: patched(
      { type: Opcode.MESSAGE, requestId: 2, descriptor: DESCRIPTOR, body: new Uint8Array(1) },
      (payload) => payload.writeUInt32LE(0x0020_0000, DescriptorAt.PUT_TIME_HIGH),
    ),
    fault: FrameFault.VALUE_OUT_OF_RANGE,
    field: 'MESSAGE.descriptor.putTimeMs',
  },
  {
    name: 'ADMIN_RESULT line count beyond any frame',
    from: 'server',
    bytes: rawFrame(Opcode.ADMIN_RESULT, [0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]),
    fault: FrameFault.VALUE_OUT_OF_RANGE,
    field: 'ADMIN_RESULT.lineCount',
  },
  {
    name: 'ADMIN_RESULT line count beyond its frame',
    from: 'server',
    bytes: rawFrame(Opcode.ADMIN_RESULT, [0, 0, 0, 0, 0x10, 0x27, 0, 0, 0, 0]),
    fault: FrameFault.TRUNCATED,
    field: 'ADMIN_RESULT.lines',
  },
  {
    name: 'QUEUE_INFO delivery sequence 2',
    from: 'server',
    bytes: rawFrame(Opcode.QUEUE_INFO, [
      ...u16(1),
      ...ascii('Q'),
      ...u16(0),
      ...[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2],
    ]),
    fault: FrameFault.VALUE_OUT_OF_RANGE,
    field: 'QUEUE_INFO.attributes.deliverySequence',
  },
  {
    name: 'HELLO_OK connection id cut short',
    from: 'server',
    bytes: rawFrame(Opcode.HELLO_OK, [1, 0, ...u16(3), ...ascii('QM1'), 0, 0, 0, 0, 0, 0, 0, 0, 1]),
    fault: FrameFault.TRUNCATED,
    field: 'HELLO_OK.connectionId',
  },
]

describe('malformed frames are classified, named and survived or not', () => {
  test.each(malformed)('$name', (testCase) => {
    const ping = encodeFrame({ type: Opcode.PING, requestId: 99 })
    const parser = new FrameParser({ from: testCase.from })
    parser.push(Buffer.concat([testCase.bytes, ping]))
    const fault = parser.next()
    expect(isFrameError(fault), `expected a FrameError, got ${JSON.stringify(fault)}`).toBe(true)
    const error = fault as FrameError
    expect(error).toBeInstanceOf(FrameError)
    expect(error.code).toBe(ErrorCode.FRAME_INVALID)
    expect({ fault: error.fault, field: error.field }).toEqual({
      fault: testCase.fault,
      field: testCase.field,
    })
    if (testCase.reason !== undefined) expect(error.reason).toBe(testCase.reason)
    expect(error.fatal).toBe(testCase.fatal ?? false)
    expect(error.message).toContain(testCase.field)
    if (testCase.fatal === true) {
      expect(parser.next()).toBeUndefined()
      expect(parser.failure).toBe(error)
      expect(parser.bufferedBytes).toBe(0)
    } else {
      expect(error.requestId).toBe(testCase.bytes.readUInt32LE(8))
      const after =
        testCase.swallowsRest === true ? undefined : { type: Opcode.PING, requestId: 99 }
      expect(parser.next()).toEqual(after)
      expect(parser.failure).toBeUndefined()
    }
    expect(parser.next()).toBeUndefined()
  })

  test('a skippable fault is reported as soon as its header is in', () => {
    const parser = new FrameParser({ from: 'client' })
    parser.push(rawFrame(0x7e, [], { length: 8 + 1000 }))
    expect(isFrameError(parser.next())).toBe(true)
    parser.push(Buffer.alloc(999))
    expect(parser.next()).toBeUndefined()
    parser.push(
      Buffer.concat([Buffer.alloc(1), encodeFrame({ type: Opcode.COMMIT, requestId: 2 })]),
    )
    expect(parser.next()).toEqual({ type: Opcode.COMMIT, requestId: 2 })
  })

  test('an over-long string inside the slack reaches the decoder, beyond it the header check', () => {
    expect(maxPayloadBytesOf(Opcode.QUERY)).toBeLessThan(MIN_CLIENT_PAYLOAD_LIMIT_BYTES)
    const nameBytes = MIN_CLIENT_PAYLOAD_LIMIT_BYTES - 2
    const insideSlack = rawFrame(Opcode.QUERY, [...u16(nameBytes), ...Buffer.alloc(nameBytes, 65)])
    expect((decodeFrame(insideSlack, 'client') as FrameError).field).toBe('QUERY.queueName')
    const beyond = rawFrame(Opcode.QUERY, [
      ...u16(nameBytes + 1),
      ...Buffer.alloc(nameBytes + 1, 65),
    ])
    expect((decodeFrame(beyond, 'client') as FrameError).field).toBe('header.length')
  })

  test('decodeFrame reports a buffer that is not exactly one frame', () => {
    const commit = encodeFrame({ type: Opcode.COMMIT, requestId: 2 })
    const short = decodeFrame(commit.subarray(0, 11), 'client') as FrameError
    expect([short.fault, short.field]).toEqual([FrameFault.TRUNCATED, 'frame'])
    const long = decodeFrame(Buffer.concat([commit, Buffer.alloc(3)]), 'client') as FrameError
    expect([long.fault, long.field, long.requestId]).toEqual([
      FrameFault.TRAILING_BYTES,
      'frame',
      2,
    ])
  })
})

interface InvalidValue {
  readonly name: string
  readonly message: ClientMessage
  readonly field: string
  readonly fault: FrameFault
  readonly reason?: number
}

const invalidValues: readonly InvalidValue[] = [
  {
    name: 'priority 10',
    message: { ...PUT, options: { priority: 10 } },
    field: 'PUT.priority',
    fault: FrameFault.VALUE_OUT_OF_RANGE,
    reason: Reason.PRIORITY_ERROR,
  },
  {
    name: 'fractional expiry',
    message: { ...PUT, options: { expiry: 1.5 } },
    field: 'PUT.expiry',
    fault: FrameFault.VALUE_OUT_OF_RANGE,
    reason: Reason.EXPIRY_ERROR,
  },
  {
    name: 'expiry 0',
    message: { ...PUT, options: { expiry: 0 } },
    field: 'PUT.expiry',
    fault: FrameFault.VALUE_OUT_OF_RANGE,
  },
  {
    name: 'persistence 3',
    message: { ...PUT, options: { persistence: 3 as Persistence } },
    field: 'PUT.persistence',
    fault: FrameFault.VALUE_OUT_OF_RANGE,
    reason: Reason.PERSISTENCE_ERROR,
  },
  {
    name: 'msgId of 23 bytes',
    message: { ...PUT, options: { msgId: new Uint8Array(23) } },
    field: 'PUT.msgId',
    fault: FrameFault.LENGTH_OUT_OF_RANGE,
    reason: Reason.MSG_ID_ERROR,
  },
  {
    name: 'empty correlId (absent is undefined, not empty)',
    message: { ...PUT, options: { correlId: new Uint8Array(0) } },
    field: 'PUT.correlId',
    fault: FrameFault.LENGTH_OUT_OF_RANGE,
  },
  {
    name: 'format of 9 characters',
    message: { ...PUT, options: { format: 'MQSTRINGS' } },
    field: 'PUT.format',
    fault: FrameFault.LENGTH_OUT_OF_RANGE,
  },
  {
    name: 'body one byte over MAX_MESSAGE_BYTES',
    message: { ...PUT, body: new Uint8Array(MAX_MESSAGE_BYTES + 1) },
    field: 'PUT.body',
    fault: FrameFault.LENGTH_OUT_OF_RANGE,
    reason: Reason.MSG_TOO_BIG_FOR_Q_MGR,
  },
  {
    name: 'queue name with a non-ASCII character',
    message: { type: Opcode.OPEN, requestId: 1, queueName: 'QUEUE.É', options: { input: true } },
    field: 'OPEN.queueName',
    fault: FrameFault.INVALID_TEXT,
  },
  {
    name: 'client name with a lone surrogate',
    message: { ...HELLO, clientName: 'app \ud800' },
    field: 'HELLO.clientName',
    fault: FrameFault.INVALID_TEXT,
  },
  {
    name: 'maxVersion below minVersion',
    message: { ...HELLO, minVersion: 3, maxVersion: 2 },
    field: 'HELLO.maxVersion',
    fault: FrameFault.VALUE_OUT_OF_RANGE,
  },
  {
    name: 'credentials with no mechanism',
    message: { ...HELLO, credentials: new Uint8Array(4) },
    field: 'HELLO.credentials',
    fault: FrameFault.LENGTH_OUT_OF_RANGE,
    reason: Reason.NOT_AUTHORIZED,
  },
  {
    name: 'request id 0 on a request',
    message: { type: Opcode.COMMIT, requestId: 0 },
    field: 'header.requestId',
    fault: FrameFault.VALUE_OUT_OF_RANGE,
  },
  {
    name: 'request id beyond u32',
    message: { type: Opcode.COMMIT, requestId: 2 ** 32 },
    field: 'header.requestId',
    fault: FrameFault.VALUE_OUT_OF_RANGE,
  },
  {
    name: 'handle NaN',
    message: { type: Opcode.CLOSE_HANDLE, requestId: 1, handle: Number.NaN },
    field: 'CLOSE_HANDLE.handle',
    fault: FrameFault.VALUE_OUT_OF_RANGE,
    reason: Reason.HOBJ_ERROR,
  },
  {
    name: 'descriptor msgId of 8 bytes',
    message: {
      type: Opcode.PUT_OK,
      requestId: 1,
      descriptor: { ...DESCRIPTOR, msgId: id(0).subarray(0, 8) },
    },
    field: 'PUT_OK.descriptor.msgId',
    fault: FrameFault.LENGTH_OUT_OF_RANGE,
  },
  {
    name: 'ERROR with compCode OK',
    message: {
      type: Opcode.ERROR,
      requestId: 1,
      compCode: CompCode.OK as never,
      reason: 1,
      message: '',
    },
    field: 'ERROR.compCode',
    fault: FrameFault.VALUE_OUT_OF_RANGE,
  },
  {
    name: 'admin result over MAX_ADMIN_RESULT_BYTES',
    message: {
      type: Opcode.ADMIN_RESULT,
      requestId: 1,
      failedCount: 0,
      lines: Array.from({ length: 129 }, () => 'x'.repeat(8190)),
    },
    field: 'ADMIN_RESULT.lines',
    fault: FrameFault.LENGTH_OUT_OF_RANGE,
  },
]

describe('the encoder refuses values the decoder would refuse, naming the same field', () => {
  test.each(invalidValues)('$name', ({ message, field, fault, reason }) => {
    const allocate = vi.spyOn(Buffer, 'allocUnsafe')
    let thrown: unknown
    try {
      encodeFrame(message)
    } catch (error) {
      thrown = error
    }
    // Validation runs in the counting pass, so an invalid message allocates nothing.
    expect(allocate).not.toHaveBeenCalled()
    allocate.mockRestore()
    expect(isFrameError(thrown), String(thrown)).toBe(true)
    const error = thrown as FrameError
    expect({ field: error.field, fault: error.fault }).toEqual({ field, fault })
    if (reason !== undefined) expect(error.reason).toBe(reason)
    expect(error.requestId).toBe(message.requestId)
    expect(() => measureFrame(message)).toThrow(FrameError)
  })
})

/** The largest message each opcode can carry, every variable field at its limit. */
function maximalMessage(opcode: Opcode): ClientMessage {
  const name = 'N'.repeat(48)
  const descriptor = {
    ...DESCRIPTOR,
    format: 'F'.repeat(8),
    replyToQueue: name,
    replyToQueueManager: name,
  }
  const putOptions = {
    persistence: Persistence.PERSISTENT,
    priority: 9,
    expiry: 1,
    msgId: id(1),
    correlId: id(2),
    syncpoint: true,
    format: 'F'.repeat(8),
    replyToQueue: name,
    replyToQueueManager: name,
  }
  const body = new Uint8Array(MAX_MESSAGE_BYTES)
  const requestId = 1
  const byOpcode: { readonly [K in Opcode]: () => ClientMessage } = {
    [Opcode.HELLO]: () => ({ ...HELLO, queueManager: name, clientName: 'c'.repeat(128) }),
    [Opcode.GOODBYE]: () => ({ type: Opcode.GOODBYE, requestId, reason: 1 }),
    [Opcode.PING]: () => ({ type: Opcode.PING, requestId }),
    [Opcode.OPEN]: () => ({ type: Opcode.OPEN, requestId, queueName: name, options: {} }),
    [Opcode.CLOSE_HANDLE]: () => ({ type: Opcode.CLOSE_HANDLE, requestId, handle: 1 }),
    [Opcode.PUT]: () => ({
      type: Opcode.PUT,
      requestId,
      handle: 1,
      options: putOptions,
      body,
    }),
    [Opcode.GET]: () => ({
      type: Opcode.GET,
      requestId,
      handle: 1,
      options: { msgId: id(1), correlId: id(2) },
    }),
    [Opcode.COMMIT]: () => ({ type: Opcode.COMMIT, requestId }),
    [Opcode.BACKOUT]: () => ({ type: Opcode.BACKOUT, requestId }),
    [Opcode.CANCEL]: () => ({ type: Opcode.CANCEL, requestId, targetRequestId: 1 }),
    [Opcode.ADMIN]: () => ({ type: Opcode.ADMIN, requestId, command: 'c'.repeat(64 * 1024) }),
    [Opcode.QUERY]: () => ({ type: Opcode.QUERY, requestId, queueName: name }),
    [Opcode.OK]: () => ({ type: Opcode.OK, requestId }),
    [Opcode.HELLO_OK]: () => ({
      type: Opcode.HELLO_OK,
      requestId,
      version: 1,
      queueManager: name,
      heartbeatMs: 1,
      maxMessageBytes: 1,
      connectionId: id(3),
    }),
    [Opcode.PONG]: () => ({ type: Opcode.PONG, requestId }),
    [Opcode.OPEN_OK]: () => ({ type: Opcode.OPEN_OK, requestId, handle: 1 }),
    [Opcode.PUT_OK]: () => ({ type: Opcode.PUT_OK, requestId, descriptor }),
    [Opcode.MESSAGE]: () => ({ type: Opcode.MESSAGE, requestId, descriptor, body }),
    [Opcode.ADMIN_RESULT]: () => ({
      type: Opcode.ADMIN_RESULT,
      requestId,
      failedCount: 0,
      // 128 lines of 8190 bytes plus a 2-byte prefix each: exactly MAX_ADMIN_RESULT_BYTES.
      lines: Array.from({ length: 128 }, () => 'x'.repeat(8190)),
    }),
    [Opcode.QUEUE_INFO]: () => ({
      type: Opcode.QUEUE_INFO,
      requestId,
      attributes: {
        name,
        description: 'd'.repeat(64),
        maxDepth: 1,
        maxMessageLength: 1,
        defaultPersistent: true,
        defaultPriority: 1,
        putEnabled: true,
        getEnabled: true,
        deliverySequence: 'FIFO',
      },
      status: { name, currentDepth: 1, openInputCount: 1, openOutputCount: 1, uncommittedCount: 1 },
    }),
    [Opcode.ERROR]: () => ({
      type: Opcode.ERROR,
      requestId,
      compCode: CompCode.FAILED,
      reason: 1,
      message: 'm'.repeat(1024),
    }),
  }
  return byOpcode[opcode]()
}

describe('limits are exact', () => {
  const everyOpcode = Object.values(Opcode).map((opcode) => [opcodeName(opcode), opcode] as const)
  test.each(everyOpcode)(
    '%s: the maximal message takes exactly the opcode limit and decodes',
    (_name, opcode) => {
      const message = maximalMessage(opcode)
      // HELLO keeps room for credentials that version 1 (mechanism "none" only) cannot send.
      const unreachableBytes = opcode === Opcode.HELLO ? MAX_CREDENTIALS_BYTES : 0
      expect(measureFrame(message) - 12 + unreachableBytes).toBe(maxPayloadBytesOf(opcode))
      const from: Sender = opcode >= 0x80 && opcode !== Opcode.PONG ? 'server' : 'client'
      const decoded = decodeFrame(encodeFrame(message), from)
      expect(isFrameError(decoded), String(decoded)).toBe(false)
    },
  )
})

describe('bodies: a view when the frame arrives whole, one copy when it is split', () => {
  const message: ClientMessage = { ...PUT, body: Buffer.alloc(5000, 7) }

  test('whole frame in one chunk: the body is a view into that chunk', () => {
    const chunk = encodeFrame(message)
    const parser = new FrameParser({ from: 'client' })
    parser.push(chunk)
    const put = parser.next() as Extract<ClientMessage, { type: typeof Opcode.PUT }>
    expect(put.body.buffer).toBe(chunk.buffer)
    expect(put.body.byteOffset).toBe(chunk.byteOffset + chunk.length - 5000)
    // Ids are copies even then: small values must not keep a whole socket chunk alive.
    const withIds = encodeFrame({ ...PUT, options: { msgId: id(9) } })
    parser.push(withIds)
    const put2 = parser.next() as Extract<ClientMessage, { type: typeof Opcode.PUT }>
    expect(put2.options.msgId!.buffer).not.toBe(withIds.buffer)
  })

  test('split frame: the payload is copied once, into a buffer of exactly its size', () => {
    const bytes = encodeFrame(message)
    const parser = new FrameParser({ from: 'client' })
    parser.push(bytes.subarray(0, 2000))
    const allocate = vi.spyOn(Buffer, 'allocUnsafe')
    parser.push(bytes.subarray(2000))
    const put = parser.next() as Extract<ClientMessage, { type: typeof Opcode.PUT }>
    expect(allocate.mock.calls).toEqual([[bytes.length - 12]])
    allocate.mockRestore()
    expect(put.body.buffer).not.toBe(bytes.buffer)
    expect(Buffer.from(put.body).equals(Buffer.alloc(5000, 7))).toBe(true)
  })

  test('bytes dribbled one at a time are coalesced, not held one object per byte', () => {
    const bytes = encodeFrame(message)
    const parser = new FrameParser({ from: 'client' })
    const allocateSlow = vi.spyOn(Buffer, 'allocUnsafeSlow')
    for (const byte of bytes.subarray(0, bytes.length - 1)) parser.push(Buffer.from([byte]))
    // The bytes went into 4 KiB coalescing buffers (one per 4 KiB), not one retained chunk each.
    const coalescingBuffers = allocateSlow.mock.calls.length
    expect(coalescingBuffers).toBeGreaterThanOrEqual(Math.floor(bytes.length / 4096))
    expect(coalescingBuffers).toBeLessThanOrEqual(Math.ceil(bytes.length / 4096) + 1)
    allocateSlow.mockRestore()
    expect(parser.next()).toBeUndefined()
    parser.push(bytes.subarray(bytes.length - 1))
    const put = parser.next() as Extract<ClientMessage, { type: typeof Opcode.PUT }>
    expect(Buffer.from(put.body).equals(Buffer.alloc(5000, 7))).toBe(true)
  })
})

describe('version negotiation', () => {
  test('chooses the highest version both sides speak, or none', () => {
    expect(chooseVersion({ ...HELLO, minVersion: 1, maxVersion: 3 }, 1, 2)).toBe(2)
    expect(chooseVersion({ ...HELLO, minVersion: 2, maxVersion: 2 }, 1, 5)).toBe(2)
    expect(chooseVersion({ ...HELLO, minVersion: 3, maxVersion: 4 }, 1, 2)).toBeUndefined()
  })
})

describe('errorFrameFor: the reply a server sends for a fault', () => {
  test('a skippable fault is answered under its request id with its reason', () => {
    const fault = decodeFrame(malformed.find((c) => c.name === 'PUT priority 10')!.bytes, 'client')
    const reply = errorFrameFor(fault as FrameError)
    expect(reply).toMatchObject({ type: Opcode.ERROR, requestId: 40, compCode: CompCode.FAILED })
    expect(reply.reason).toBe(Reason.PRIORITY_ERROR)
    expect(reply.message).toContain('PUT.priority')
    expect(decodeFrame(encodeFrame(reply), 'server')).toEqual(reply)
  })

  test('a fatal fault answers no request, and a long message is cut on a character boundary', () => {
    const detail = 'é'.repeat(2000)
    const fault = new FrameError(FrameFault.FRAME_LENGTH, 'header.length', 2009, 7, true, detail)
    const reply = errorFrameFor(fault)
    expect(reply.requestId).toBe(0)
    expect(Buffer.byteLength(reply.message)).toBeLessThanOrEqual(1024)
    expect(reply.message.endsWith('é')).toBe(true)
    expect(decodeFrame(encodeFrame(reply), 'server')).toEqual(reply)
  })
})
