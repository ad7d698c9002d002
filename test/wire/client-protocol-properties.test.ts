/**
 * Goal: every message type survives encode → any split of the byte stream → parse unchanged, and
 * no input bytes whatsoever make the parser throw, allocate from a length field, or hold more
 * than it was given.
 * Method: fast-check arbitraries for each message type (run counts chosen so the file takes a
 * few seconds); round trips per type; long random sequences cut at random points; fuzzing with
 * random bytes, valid headers over random payloads, bit flips, truncations and hostile lengths,
 * while a spy records every Buffer allocation.
 */
import fc from 'fast-check'
import { afterEach, describe, expect, test, vi } from 'vitest'
import {
  CLIENT_PARSER_COALESCE_BUFFER_BYTES,
  MAX_CLIENT_FRAME_BYTES,
  MAX_QUEUE_NAME_BYTES,
} from '../../src/constants.js'
import { ErrorCode } from '../../src/errors.js'
import type { Persistence } from '../../src/queue/types.js'
import { decodeFrame, FrameParser } from '../../src/wire/client-frame-parser.js'
import {
  AuthMechanism,
  encodeFrame,
  encodeFrameInto,
  FrameError,
  FrameFault,
  isFrameError,
  Opcode,
  opcodeName,
  type ClientMessage,
  type Sender,
} from '../../src/wire/client-protocol.js'

const U32_MAX = 0xffffffff
const I32_MAX = 0x7fffffff

// ---- Arbitraries: values inside every documented range, decoded shape (all options present) ----

const printable = fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code))
const asciiText = (minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: printable, minLength, maxLength })
/** UTF-8 text within `maxBytes`: up to 4 bytes per code point, or ASCII up to the limit. */
const utf8Text = (maxBytes: number): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ unit: 'binary', maxLength: Math.floor(maxBytes / 4) }),
    fc.string({ unit: 'binary-ascii', maxLength: maxBytes }),
  )
const requestId = fc.integer({ min: 1, max: U32_MAX })
const handle = fc.integer({ min: 1, max: U32_MAX })
const u32 = fc.integer({ min: 0, max: U32_MAX })
const id = fc.uint8Array({ minLength: 24, maxLength: 24 })
const optionalId = fc.option(id, { nil: undefined })
const body = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 3000 }) },
)
const queueName = asciiText(1, MAX_QUEUE_NAME_BYTES)
const optionalName = asciiText(0, MAX_QUEUE_NAME_BYTES)
const anyCase = <T>(...values: T[]): fc.Arbitrary<T> => fc.constantFrom(...values)

const descriptor = fc.record({
  msgId: id,
  correlId: id,
  persistent: fc.boolean(),
  priority: fc.integer({ min: 0, max: 9 }),
  expiry: fc.integer({ min: -1, max: I32_MAX }),
  backoutCount: u32,
  putTimeMs: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  format: asciiText(0, 8),
  replyToQueue: optionalName,
  replyToQueueManager: optionalName,
})

const messageArbitraries: { readonly [K in Opcode]: fc.Arbitrary<ClientMessage> } = {
  [Opcode.HELLO]: fc
    .record({
      requestId,
      versions: fc.tuple(fc.integer({ min: 1, max: 0xffff }), fc.integer({ min: 1, max: 0xffff })),
      queueManager: optionalName,
      clientName: utf8Text(128),
      heartbeatMs: u32,
    })
    .map(({ versions, ...rest }) => ({
      type: Opcode.HELLO,
      ...rest,
      minVersion: Math.min(...versions),
      maxVersion: Math.max(...versions),
      authMechanism: AuthMechanism.NONE,
      credentials: new Uint8Array(0),
    })),
  [Opcode.GOODBYE]: fc.record({
    type: fc.constant(Opcode.GOODBYE),
    requestId: fc.integer({ min: 0, max: U32_MAX }),
    reason: u32,
  }),
  [Opcode.PING]: fc.record({ type: fc.constant(Opcode.PING), requestId }),
  [Opcode.OPEN]: fc.record({
    type: fc.constant(Opcode.OPEN),
    requestId,
    queueName,
    options: fc.record({ input: fc.boolean(), output: fc.boolean(), browse: fc.boolean() }),
  }),
  [Opcode.CLOSE_HANDLE]: fc.record({ type: fc.constant(Opcode.CLOSE_HANDLE), requestId, handle }),
  [Opcode.PUT]: fc.record({
    type: fc.constant(Opcode.PUT),
    requestId,
    handle,
    options: fc.record({
      persistence: anyCase<Persistence>(0, 1, 2),
      priority: fc.integer({ min: -1, max: 9 }),
      expiry: fc.oneof(fc.constant(-1), fc.integer({ min: 1, max: I32_MAX })),
      msgId: optionalId,
      correlId: optionalId,
      syncpoint: fc.boolean(),
      format: asciiText(0, 8),
      replyToQueue: optionalName,
      replyToQueueManager: optionalName,
    }),
    body,
  }),
  [Opcode.GET]: fc.record({
    type: fc.constant(Opcode.GET),
    requestId,
    handle,
    options: fc.record({
      waitMs: u32,
      syncpoint: fc.boolean(),
      browse: anyCase(undefined, 'first' as const, 'next' as const),
      msgId: optionalId,
      correlId: optionalId,
    }),
  }),
  [Opcode.COMMIT]: fc.record({ type: fc.constant(Opcode.COMMIT), requestId }),
  [Opcode.BACKOUT]: fc.record({ type: fc.constant(Opcode.BACKOUT), requestId }),
  [Opcode.CANCEL]: fc.record({
    type: fc.constant(Opcode.CANCEL),
    requestId,
    targetRequestId: requestId,
  }),
  [Opcode.ADMIN]: fc.record({
    type: fc.constant(Opcode.ADMIN),
    requestId,
    command: utf8Text(400).filter((command) => command.length > 0),
  }),
  [Opcode.QUERY]: fc.record({ type: fc.constant(Opcode.QUERY), requestId, queueName }),
  [Opcode.OK]: fc.record({ type: fc.constant(Opcode.OK), requestId }),
  [Opcode.HELLO_OK]: fc.record({
    type: fc.constant(Opcode.HELLO_OK),
    requestId,
    version: fc.integer({ min: 1, max: 0xffff }),
    queueManager: asciiText(1, 48),
    heartbeatMs: u32,
    maxMessageBytes: fc.integer({ min: 0, max: 4 * 1024 * 1024 }),
    connectionId: id,
  }),
  [Opcode.PONG]: fc.record({ type: fc.constant(Opcode.PONG), requestId }),
  [Opcode.OPEN_OK]: fc.record({ type: fc.constant(Opcode.OPEN_OK), requestId, handle }),
  [Opcode.PUT_OK]: fc.record({ type: fc.constant(Opcode.PUT_OK), requestId, descriptor }),
  [Opcode.MESSAGE]: fc.record({ type: fc.constant(Opcode.MESSAGE), requestId, descriptor, body }),
  [Opcode.ADMIN_RESULT]: fc.record({
    type: fc.constant(Opcode.ADMIN_RESULT),
    requestId,
    failedCount: u32,
    lines: fc.array(utf8Text(120), { maxLength: 20 }),
  }),
  [Opcode.QUEUE_INFO]: fc.record({
    type: fc.constant(Opcode.QUEUE_INFO),
    requestId,
    attributes: fc.record({
      name: queueName,
      description: utf8Text(64),
      maxDepth: fc.integer({ min: 0, max: 999_999_999 }),
      maxMessageLength: fc.integer({ min: 0, max: 4 * 1024 * 1024 }),
      defaultPersistent: fc.boolean(),
      defaultPriority: fc.integer({ min: 0, max: 9 }),
      putEnabled: fc.boolean(),
      getEnabled: fc.boolean(),
      deliverySequence: anyCase('PRIORITY' as const, 'FIFO' as const),
    }),
    status: fc.record({
      name: queueName,
      currentDepth: u32,
      openInputCount: u32,
      openOutputCount: u32,
      uncommittedCount: u32,
    }),
  }),
  [Opcode.ERROR]: fc.record({
    type: fc.constant(Opcode.ERROR),
    requestId: fc.integer({ min: 0, max: U32_MAX }),
    compCode: anyCase(1 as const, 2 as const),
    reason: fc.integer({ min: 1, max: U32_MAX }),
    message: utf8Text(1024),
  }),
}

/** Opcodes each side may send (GOODBYE, PING and PONG go both ways). */
const CLIENT_OPCODES: readonly Opcode[] = [
  Opcode.HELLO,
  Opcode.GOODBYE,
  Opcode.PING,
  Opcode.PONG,
  Opcode.OPEN,
  Opcode.CLOSE_HANDLE,
  Opcode.PUT,
  Opcode.GET,
  Opcode.COMMIT,
  Opcode.BACKOUT,
  Opcode.CANCEL,
  Opcode.ADMIN,
  Opcode.QUERY,
]
const SERVER_OPCODES: readonly Opcode[] = [
  Opcode.GOODBYE,
  Opcode.PING,
  Opcode.PONG,
  Opcode.OK,
  Opcode.HELLO_OK,
  Opcode.OPEN_OK,
  Opcode.PUT_OK,
  Opcode.MESSAGE,
  Opcode.ADMIN_RESULT,
  Opcode.QUEUE_INFO,
  Opcode.ERROR,
]
const opcodesFrom = (from: Sender): readonly Opcode[] =>
  from === 'client' ? CLIENT_OPCODES : SERVER_OPCODES
const messageFrom = (from: Sender): fc.Arbitrary<ClientMessage> =>
  fc.oneof(...opcodesFrom(from).map((opcode) => messageArbitraries[opcode]))
const senderOf = (opcode: Opcode): Sender => (CLIENT_OPCODES.includes(opcode) ? 'client' : 'server')

function comparable(value: unknown): unknown {
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString('hex')}`
  if (Array.isArray(value)) return value.map(comparable)
  if (typeof value !== 'object' || value === null) return value
  const entries = Object.entries(value).filter(([, field]) => field !== undefined)
  return Object.fromEntries(entries.map(([key, field]) => [key, comparable(field)]))
}

/** Cuts `bytes` at the given fractions of its length (sorted, duplicates allowed). */
function cutAt(bytes: Buffer, fractions: readonly number[]): Buffer[] {
  const cuts = fractions
    .map((fraction) => Math.floor(fraction * bytes.length))
    .sort((a, b) => a - b)
  const pieces: Buffer[] = []
  let start = 0
  for (const cut of [...cuts, bytes.length]) {
    pieces.push(bytes.subarray(start, cut))
    start = cut
  }
  return pieces
}

interface ParseRun {
  readonly results: (ClientMessage | FrameError)[]
  readonly parser: FrameParser
  readonly largestBufferedBytes: number
}

/** Feeds pieces, draining after each; any throw fails the property. */
function parseAll(from: Sender, pieces: readonly Buffer[]): ParseRun {
  const parser = new FrameParser({ from })
  const results: (ClientMessage | FrameError)[] = []
  let largestBufferedBytes = 0
  let pushedBytes = 0
  for (const piece of pieces) {
    parser.push(piece)
    pushedBytes += piece.length
    largestBufferedBytes = Math.max(largestBufferedBytes, parser.bufferedBytes)
    expect(parser.bufferedBytes).toBeLessThanOrEqual(pushedBytes)
    for (let result = parser.next(); result !== undefined; result = parser.next()) {
      results.push(result)
    }
  }
  return { results, parser, largestBufferedBytes }
}

describe('round trip, one property per message type', () => {
  const everyOpcode = Object.values(Opcode).map((opcode) => [opcodeName(opcode), opcode] as const)
  test.each(everyOpcode)('%s', (_name, opcode) => {
    const from = senderOf(opcode)
    fc.assert(
      fc.property(messageArbitraries[opcode], (message) => {
        const bytes = encodeFrame(message)
        const decoded = decodeFrame(bytes, from)
        expect(isFrameError(decoded), String(decoded)).toBe(false)
        expect(comparable(decoded)).toEqual(comparable(message))
        expect(encodeFrame(decoded as ClientMessage).equals(bytes)).toBe(true)
      }),
      { numRuns: 150 },
    )
  })
})

describe('encodeFrameInto', () => {
  test('writes the same bytes as encodeFrame at any offset and touches nothing else', () => {
    fc.assert(
      fc.property(messageFrom('client'), fc.nat(40), fc.nat(40), (message, before, after) => {
        const expected = encodeFrame(message)
        const target = Buffer.alloc(before + expected.length + after, 0xa5)
        expect(encodeFrameInto(target, before, message)).toBe(before + expected.length)
        expect(target.subarray(before, before + expected.length).equals(expected)).toBe(true)
        const untouched = Buffer.concat([
          target.subarray(0, before),
          target.subarray(before + expected.length),
        ])
        expect(untouched.every((byte) => byte === 0xa5)).toBe(true)
      }),
      { numRuns: 200 },
    )
  })

  test('returns undefined and writes nothing when the frame does not fit', () => {
    fc.assert(
      fc.property(messageFrom('server'), fc.nat(40), (message, before) => {
        const size = encodeFrame(message).length
        const target = Buffer.alloc(before + size - 1, 0x5a)
        expect(encodeFrameInto(target, before, message)).toBeUndefined()
        expect(target.every((byte) => byte === 0x5a)).toBe(true)
      }),
      { numRuns: 100 },
    )
  })

  test('leaves no byte of the frame unwritten (unzeroed memory never leaks out)', () => {
    fc.assert(
      fc.property(messageFrom('server'), (message) => {
        const size = encodeFrame(message).length
        const zeroed = Buffer.alloc(size, 0x00)
        const filled = Buffer.alloc(size, 0xff)
        encodeFrameInto(zeroed, 0, message)
        encodeFrameInto(filled, 0, message)
        expect(zeroed.equals(filled)).toBe(true)
      }),
      { numRuns: 200 },
    )
  })
})

describe('random splits of long random frame sequences', () => {
  test.each(['client', 'server'] as const)('frames from the %s', (from) => {
    fc.assert(
      fc.property(
        fc.array(messageFrom(from), { minLength: 1, maxLength: 40 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 30 }),
        (messages, fractions) => {
          const stream = Buffer.concat(messages.map(encodeFrame))
          const { results, parser } = parseAll(from, cutAt(stream, fractions))
          expect(comparable(results)).toEqual(comparable(messages))
          expect(parser.bufferedBytes).toBe(0)
        },
      ),
      { numRuns: 120 },
    )
  })

  test('every frame of a sequence fed one byte at a time', () => {
    fc.assert(
      fc.property(fc.array(messageFrom('client'), { minLength: 1, maxLength: 8 }), (messages) => {
        const stream = Buffer.concat(messages.map(encodeFrame))
        const pieces = Array.from(stream, (byte) => Buffer.from([byte]))
        const { results, largestBufferedBytes } = parseAll('client', pieces)
        expect(comparable(results)).toEqual(comparable(messages))
        expect(largestBufferedBytes).toBeLessThanOrEqual(
          Math.max(...messages.map((m) => encodeFrame(m).length)),
        )
      }),
      { numRuns: 40 },
    )
  })
})

// ---- Fuzzing ----

interface AllocationLog {
  largestBytes: number
}

/** Records the largest Buffer allocation made while `run` executes. */
function recordAllocations(run: () => void): AllocationLog {
  const log: AllocationLog = { largestBytes: 0 }
  const note = (size: number): void => {
    log.largestBytes = Math.max(log.largestBytes, size)
  }
  const spies = (['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const).map((method) => {
    const original = Buffer[method].bind(Buffer) as (size: number) => Buffer
    return vi.spyOn(Buffer, method).mockImplementation(((size: number) => {
      note(size)
      return original(size)
    }) as never)
  })
  try {
    run()
  } finally {
    for (const spy of spies) spy.mockRestore()
  }
  return log
}

afterEach(() => {
  vi.restoreAllMocks()
})

/** Everything the parser returns is a message or a classified FrameError, never anything else. */
function expectClassified(results: readonly (ClientMessage | FrameError)[]): void {
  for (const result of results) {
    if (!isFrameError(result)) {
      expect(typeof result.type).toBe('number')
      continue
    }
    expect(result).toBeInstanceOf(FrameError)
    expect(result.code).toBe(ErrorCode.FRAME_INVALID)
    expect(Object.values(FrameFault)).toContain(result.fault)
    expect(result.field).toMatch(/^[A-Z_]+\.|^header\.|^frame$/)
  }
}

/** Bounds that hold for any input: allocations within what was pushed, and sticky failure. */
function fuzzParse(from: Sender, pieces: readonly Buffer[]): ParseRun {
  const pushedBytes = pieces.reduce((sum, piece) => sum + piece.length, 0)
  let run: ParseRun | undefined
  const allocations = recordAllocations(() => {
    run = parseAll(from, pieces)
  })
  expect(run).toBeDefined()
  const { results, parser } = run!
  expectClassified(results)
  expect(allocations.largestBytes).toBeLessThanOrEqual(
    Math.max(pushedBytes, CLIENT_PARSER_COALESCE_BUFFER_BYTES),
  )
  const fatal = results.filter((result) => isFrameError(result) && result.fatal)
  expect(fatal.length).toBeLessThanOrEqual(1)
  if (fatal.length === 1) {
    expect(results.at(-1)).toBe(fatal[0])
    expect(parser.failure).toBe(fatal[0])
    expect(parser.bufferedBytes).toBe(0)
  }
  return run!
}

const fractions = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 })
const sender = anyCase<Sender>('client', 'server')

/** A header that passes every check, so the payload decoder itself is what gets fuzzed. */
function validHeader(opcode: number, requestIdValue: number, payloadBytes: number): Buffer {
  const header = Buffer.alloc(12)
  header.writeUInt32LE(payloadBytes + 8, 0)
  header.writeUInt8(opcode, 4)
  header.writeUInt32LE(requestIdValue, 8)
  return header
}

describe('fuzz: the parser never throws, and allocates nothing it was not given', () => {
  test('random bytes, randomly split', () => {
    fc.assert(
      fc.property(sender, fc.uint8Array({ maxLength: 600 }), fractions, (from, bytes, cuts) => {
        fuzzParse(from, cutAt(Buffer.from(bytes), cuts))
      }),
      { numRuns: 400 },
    )
  })

  test('valid headers over random payloads: accepted frames re-encode to the same bytes', () => {
    fc.assert(
      fc.property(
        sender.chain((from) => fc.tuple(fc.constant(from), fc.constantFrom(...opcodesFrom(from)))),
        requestId,
        fc.uint8Array({ maxLength: 200 }),
        fractions,
        ([from, opcode], requestIdValue, payload, cuts) => {
          const frame = Buffer.concat([
            validHeader(opcode, requestIdValue, payload.length),
            payload,
          ])
          const { results } = fuzzParse(from, cutAt(frame, cuts))
          expect(results).toHaveLength(1)
          const [result] = results
          if (isFrameError(result)) {
            expect(result.fatal).toBe(false)
            expect(result.requestId).toBe(requestIdValue)
          } else {
            // The encoding is canonical: one message, one byte string.
            expect(encodeFrame(result!).equals(frame)).toBe(true)
          }
        },
      ),
      { numRuns: 1500 },
    )
  })

  test('valid frame sequences with random bit flips', () => {
    fc.assert(
      fc.property(
        sender.chain((from) =>
          fc.tuple(fc.constant(from), fc.array(messageFrom(from), { minLength: 1, maxLength: 6 })),
        ),
        fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
        fractions,
        ([from, messages], flips, cuts) => {
          const stream = Buffer.concat(messages.map(encodeFrame))
          for (const flip of flips) {
            const bit = flip % (stream.length * 8)
            stream[bit >> 3] = stream[bit >> 3]! ^ (1 << (bit & 7))
          }
          fuzzParse(from, cutAt(stream, cuts))
        },
      ),
      { numRuns: 400 },
    )
  })

  test('truncated frames wait for more bytes and buffer exactly what arrived', () => {
    fc.assert(
      fc.property(
        sender.chain((from) => fc.tuple(fc.constant(from), messageFrom(from))),
        ([from, message]) => {
          const bytes = encodeFrame(message)
          for (let length = 0; length < bytes.length; length += 1) {
            const { results, parser } = fuzzParse(from, [bytes.subarray(0, length)])
            expect(results).toEqual([])
            // A complete header is consumed into the parser's state; the rest waits in the queue.
            expect(parser.bufferedBytes).toBe(length < 12 ? length : length - 12)
          }
        },
      ),
      { numRuns: 60 },
    )
  })

  test('hostile length fields are fatal at once, allocate nothing and keep nothing', () => {
    const hostile = fc.oneof(
      fc.constant(0xffffffff),
      fc.constant(MAX_CLIENT_FRAME_BYTES + 1),
      fc.integer({ min: MAX_CLIENT_FRAME_BYTES + 1, max: U32_MAX }),
      fc.integer({ min: 0, max: 7 }),
    )
    fc.assert(
      fc.property(sender, hostile, fc.uint8Array({ maxLength: 64 }), (from, length, tail) => {
        const header = validHeader(Opcode.PING, 1, 0)
        header.writeUInt32LE(length, 0)
        const { results, parser } = fuzzParse(from, [header, Buffer.from(tail)])
        expect(results).toHaveLength(1)
        const [fault] = results as FrameError[]
        expect(fault!.fault).toBe(FrameFault.FRAME_LENGTH)
        expect(fault!.field).toBe('header.length')
        expect(fault!.fatal).toBe(true)
        // Pushes after the failure are dropped, not buffered.
        parser.push(Buffer.alloc(1000))
        expect(parser.bufferedBytes).toBe(0)
        expect(parser.next()).toBeUndefined()
      }),
      { numRuns: 200 },
    )
  })

  test('a large declared payload that never arrives allocates nothing', () => {
    const header = validHeader(Opcode.PUT, 1, 4 * 1024 * 1024)
    const { results, parser } = fuzzParse('client', [header, Buffer.alloc(100)])
    expect(results).toEqual([])
    expect(parser.bufferedBytes).toBe(100)
  })

  test('an oversize frame for its opcode is skipped as it streams, without buffering it', () => {
    const skippedBytes = 1024 * 1024
    const header = validHeader(Opcode.PING, 5, skippedBytes)
    const after = encodeFrame({ type: Opcode.PING, requestId: 6 })
    const pieces = [
      header,
      ...Array.from({ length: 16 }, () => Buffer.alloc(skippedBytes / 16)),
      after,
    ]
    const { results, largestBufferedBytes } = fuzzParse('client', pieces)
    expect(largestBufferedBytes).toBeLessThanOrEqual(skippedBytes / 16)
    expect(results).toHaveLength(2)
    const [fault, ping] = results
    expect(isFrameError(fault) && fault.fault).toBe(FrameFault.PAYLOAD_TOO_LONG)
    expect(isFrameError(fault) && fault.requestId).toBe(5)
    expect(ping).toEqual({ type: Opcode.PING, requestId: 6 })
  })
})
