/**
 * Goal: the client protocol's bytes never change by accident, and the parser reads every golden
 * frame however the stream is split.
 * Method: each case encodes a message and compares it byte for byte with a hex file in
 * test/golden/client-protocol (regenerated only with QMQ_UPDATE_GOLDEN=1; a missing file fails);
 * the file's bytes decode back to the message; then every frame is fed split at each byte
 * boundary, one byte at a time, and all frames back to back in one chunk.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { CompCode, Reason } from '../../src/errors.js'
import { Persistence } from '../../src/queue/types.js'
import { decodeFrame, FrameParser } from '../../src/wire/client-frame-parser.js'
import {
  AuthMechanism,
  encodeFrame,
  isFrameError,
  Opcode,
  opcodeName,
  type ClientMessage,
  type Sender,
} from '../../src/wire/client-protocol.js'

const GOLDEN_DIRECTORY = fileURLToPath(new URL('../golden/client-protocol/', import.meta.url))
const UPDATE_GOLDEN = process.env['QMQ_UPDATE_GOLDEN'] === '1'

interface GoldenCase {
  readonly name: string
  readonly from: Sender
  readonly message: ClientMessage
  /** What decoding yields when it differs from `message` (options left to their defaults). */
  readonly decoded?: ClientMessage
}

const counting = (length: number, start: number): Uint8Array =>
  Uint8Array.from({ length }, (_, index) => (start + index) & 0xff)
const MSG_ID = counting(24, 0x01)
const CORREL_ID = counting(24, 0xa0)
const DESCRIPTOR = {
  msgId: MSG_ID,
  correlId: CORREL_ID,
  persistent: true,
  priority: 4,
  expiry: -1,
  backoutCount: 0,
  putTimeMs: 1_767_225_600_123,
  format: 'MQSTR',
  replyToQueue: 'APP.REPLY',
  replyToQueueManager: 'QM2',
}
const ascii = (text: string): Uint8Array => new TextEncoder().encode(text)
/** A client's request identity: 16 bytes of id (counting here) and a sequence number. */
const REQUEST = { client: counting(16, 0xc0), sequence: 258 }

const cases: readonly GoldenCase[] = [
  {
    name: 'client-hello',
    from: 'client',
    message: {
      type: Opcode.HELLO,
      requestId: 1,
      minVersion: 1,
      maxVersion: 1,
      queueManager: 'QM1',
      clientName: 'amqsput',
      heartbeatMs: 5_000,
      authMechanism: AuthMechanism.NONE,
      credentials: new Uint8Array(0),
    },
  },
  {
    name: 'client-hello-any-queue-manager',
    from: 'client',
    message: {
      type: Opcode.HELLO,
      requestId: 0xfffffffe,
      minVersion: 1,
      maxVersion: 3,
      queueManager: '',
      clientName: 'Zürich ☃ app',
      heartbeatMs: 0,
      authMechanism: AuthMechanism.NONE,
      credentials: new Uint8Array(0),
    },
  },
  {
    name: 'client-open-input-browse',
    from: 'client',
    message: {
      type: Opcode.OPEN,
      requestId: 2,
      queueName: 'APP.REQUEST',
      options: { input: true, output: false, browse: true },
    },
  },
  {
    name: 'client-open-output-defaults',
    from: 'client',
    message: { type: Opcode.OPEN, requestId: 3, queueName: 'Q', options: { output: true } },
    decoded: {
      type: Opcode.OPEN,
      requestId: 3,
      queueName: 'Q',
      options: { input: false, output: true, browse: false },
    },
  },
  {
    name: 'client-close-handle',
    from: 'client',
    message: { type: Opcode.CLOSE_HANDLE, requestId: 4, handle: 7 },
  },
  {
    name: 'client-put-defaults',
    from: 'client',
    message: { type: Opcode.PUT, requestId: 5, handle: 7, options: {}, body: ascii('hello') },
    decoded: {
      type: Opcode.PUT,
      requestId: 5,
      handle: 7,
      options: {
        persistence: Persistence.AS_QUEUE,
        priority: -1,
        expiry: -1,
        msgId: undefined,
        correlId: undefined,
        syncpoint: false,
        format: '',
        replyToQueue: '',
        replyToQueueManager: '',
      },
      body: ascii('hello'),
    },
  },
  {
    name: 'client-put-every-option',
    from: 'client',
    message: {
      type: Opcode.PUT,
      requestId: 6,
      handle: 0x01020304,
      options: {
        persistence: Persistence.PERSISTENT,
        priority: 9,
        expiry: 600,
        msgId: MSG_ID,
        correlId: CORREL_ID,
        syncpoint: true,
        format: 'MQSTR   ',
        replyToQueue: 'APP.REPLY',
        replyToQueueManager: 'QM2',
      },
      body: counting(40, 0),
    },
  },
  {
    name: 'client-put-empty-body',
    from: 'client',
    message: {
      type: Opcode.PUT,
      requestId: 7,
      handle: 1,
      options: {
        persistence: Persistence.NOT_PERSISTENT,
        priority: 0,
        expiry: 1,
        msgId: undefined,
        correlId: CORREL_ID,
        syncpoint: false,
        format: '',
        replyToQueue: '',
        replyToQueueManager: '',
      },
      body: new Uint8Array(0),
    },
  },
  {
    name: 'client-get-wait-match-correl-id',
    from: 'client',
    message: {
      type: Opcode.GET,
      requestId: 8,
      handle: 7,
      options: {
        waitMs: 30_000,
        syncpoint: true,
        browse: undefined,
        msgId: undefined,
        correlId: CORREL_ID,
      },
    },
  },
  {
    name: 'client-get-browse-next',
    from: 'client',
    message: {
      type: Opcode.GET,
      requestId: 9,
      handle: 7,
      options: { waitMs: 0xffffffff, syncpoint: false, browse: 'next', msgId: MSG_ID },
    },
  },
  {
    // Header flag 0x01 and the request identity first in the payload (exactly-once resend).
    name: 'client-put-request-identity',
    from: 'client',
    message: {
      type: Opcode.PUT,
      requestId: 14,
      handle: 7,
      options: { persistence: Persistence.PERSISTENT, request: REQUEST },
      body: ascii('order 1'),
    },
    decoded: {
      type: Opcode.PUT,
      requestId: 14,
      handle: 7,
      options: {
        persistence: Persistence.PERSISTENT,
        priority: -1,
        expiry: -1,
        msgId: undefined,
        correlId: undefined,
        syncpoint: false,
        format: '',
        replyToQueue: '',
        replyToQueueManager: '',
        request: REQUEST,
      },
      body: ascii('order 1'),
    },
  },
  {
    name: 'client-get-request-identity',
    from: 'client',
    message: {
      type: Opcode.GET,
      requestId: 15,
      handle: 7,
      options: {
        waitMs: 5_000,
        syncpoint: false,
        browse: undefined,
        msgId: undefined,
        correlId: undefined,
        request: { client: REQUEST.client, sequence: 2 ** 40 + 3 },
      },
    },
  },
  { name: 'client-commit', from: 'client', message: { type: Opcode.COMMIT, requestId: 10 } },
  {
    // A named COMMIT: flag 0x01, the identity is the whole payload (resent after a failover).
    name: 'client-commit-request-identity',
    from: 'client',
    message: { type: Opcode.COMMIT, requestId: 16, request: { ...REQUEST, sequence: 9 } },
  },
  { name: 'client-backout', from: 'client', message: { type: Opcode.BACKOUT, requestId: 11 } },
  {
    name: 'client-cancel',
    from: 'client',
    message: { type: Opcode.CANCEL, requestId: 12, targetRequestId: 8 },
  },
  {
    name: 'client-admin',
    from: 'client',
    message: {
      type: Opcode.ADMIN,
      requestId: 13,
      command: 'DEFINE QLOCAL(APP.REQUEST) MAXDEPTH(10000)\nDISPLAY QSTATUS(APP.REQUEST)',
    },
  },
  {
    name: 'client-query',
    from: 'client',
    message: { type: Opcode.QUERY, requestId: 14, queueName: 'APP.REQUEST' },
  },
  { name: 'client-ping', from: 'client', message: { type: Opcode.PING, requestId: 15 } },
  {
    name: 'client-goodbye',
    from: 'client',
    message: { type: Opcode.GOODBYE, requestId: 0, reason: Reason.NONE },
  },
  {
    name: 'server-hello-ok',
    from: 'server',
    message: {
      type: Opcode.HELLO_OK,
      requestId: 1,
      version: 1,
      queueManager: 'QM1',
      heartbeatMs: 300_000,
      maxMessageBytes: 4 * 1024 * 1024,
      connectionId: counting(24, 0x40),
    },
  },
  { name: 'server-ok', from: 'server', message: { type: Opcode.OK, requestId: 10 } },
  {
    name: 'server-open-ok',
    from: 'server',
    message: { type: Opcode.OPEN_OK, requestId: 2, handle: 7 },
  },
  {
    name: 'server-put-ok',
    from: 'server',
    message: { type: Opcode.PUT_OK, requestId: 6, descriptor: DESCRIPTOR },
  },
  {
    name: 'server-message',
    from: 'server',
    message: {
      type: Opcode.MESSAGE,
      requestId: 8,
      descriptor: { ...DESCRIPTOR, persistent: false, expiry: 523, backoutCount: 2 },
      body: ascii('blast message 000000001'),
    },
  },
  {
    name: 'server-admin-result',
    from: 'server',
    message: {
      type: Opcode.ADMIN_RESULT,
      requestId: 13,
      failedCount: 1,
      lines: ['AMQ8006I: IBM MQ queue created.', '', 'AMQ8147E: IBM MQ object X not found.'],
    },
  },
  {
    name: 'server-queue-info',
    from: 'server',
    message: {
      type: Opcode.QUEUE_INFO,
      requestId: 14,
      attributes: {
        name: 'APP.REQUEST',
        description: 'Requests — ünicode',
        maxDepth: 5_000,
        maxMessageLength: 4 * 1024 * 1024,
        defaultPersistent: true,
        defaultPriority: 0,
        putEnabled: true,
        getEnabled: false,
        deliverySequence: 'FIFO',
      },
      status: {
        name: 'APP.REQUEST',
        currentDepth: 12,
        openInputCount: 1,
        openOutputCount: 3,
        uncommittedCount: 2,
      },
    },
  },
  {
    name: 'server-error-queue-full',
    from: 'server',
    message: {
      type: Opcode.ERROR,
      requestId: 6,
      compCode: CompCode.FAILED,
      reason: Reason.Q_FULL,
      message: 'queue APP.REQUEST is full (MAXDEPTH 5000)',
    },
  },
  {
    name: 'server-error-unsolicited',
    from: 'server',
    message: {
      type: Opcode.ERROR,
      requestId: 0,
      compCode: CompCode.WARNING,
      reason: Reason.CONNECTION_QUIESCING,
      message: '',
    },
  },
  { name: 'server-pong', from: 'server', message: { type: Opcode.PONG, requestId: 15 } },
  { name: 'server-ping', from: 'server', message: { type: Opcode.PING, requestId: 1 } },
  {
    name: 'server-goodbye-quiescing',
    from: 'server',
    message: { type: Opcode.GOODBYE, requestId: 0, reason: Reason.Q_MGR_QUIESCING },
  },
]

/** Typed arrays become hex strings and undefined keys vanish, so Buffer and Uint8Array compare. */
function comparable(value: unknown): unknown {
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString('hex')}`
  if (Array.isArray(value)) return value.map(comparable)
  if (typeof value !== 'object' || value === null) return value
  const entries = Object.entries(value).filter(([, field]) => field !== undefined)
  return Object.fromEntries(entries.map(([key, field]) => [key, comparable(field)]))
}

function hexFile(golden: GoldenCase, bytes: Buffer): string {
  const lines = [
    `# ${opcodeName(golden.message.type)} from the ${golden.from}, ${bytes.length} bytes`,
  ]
  for (let offset = 0; offset < bytes.length; offset += 16) {
    const row = bytes.subarray(offset, offset + 16).toString('hex')
    lines.push(row.replace(/(..)(?!$)/g, '$1 '))
  }
  return `${lines.join('\n')}\n`
}

function readHexFile(path: string): Buffer {
  const text = readFileSync(path, 'utf8')
  const hex = text
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .join('')
    .replace(/\s+/g, '')
  return Buffer.from(hex, 'hex')
}

function goldenBytes(golden: GoldenCase): Buffer {
  const path = `${GOLDEN_DIRECTORY}${golden.name}.hex`
  if (UPDATE_GOLDEN) {
    mkdirSync(GOLDEN_DIRECTORY, { recursive: true })
    writeFileSync(path, hexFile(golden, encodeFrame(golden.message)))
  }
  if (!existsSync(path)) {
    throw new Error(`golden file ${path} is missing: run with QMQ_UPDATE_GOLDEN=1 and review it`)
  }
  return readHexFile(path)
}

/** Pushes the pieces in order, draining after each push, and returns everything produced. */
function parsePieces(from: Sender, pieces: readonly Buffer[]): unknown[] {
  const parser = new FrameParser({ from })
  const results: unknown[] = []
  for (const piece of pieces) {
    parser.push(piece)
    for (let result = parser.next(); result !== undefined; result = parser.next()) {
      results.push(result)
    }
  }
  expect(parser.bufferedBytes).toBe(0)
  return results
}

describe.each(cases)('golden frame $name', (golden) => {
  const expected = comparable(golden.decoded ?? golden.message)

  test('encodes byte for byte as the golden file', () => {
    const bytes = goldenBytes(golden)
    expect(encodeFrame(golden.message).toString('hex')).toBe(bytes.toString('hex'))
  })

  test('decodes to the message, which re-encodes to the same bytes', () => {
    const bytes = goldenBytes(golden)
    const decoded = decodeFrame(bytes, golden.from)
    expect(isFrameError(decoded), String(decoded)).toBe(false)
    expect(comparable(decoded)).toEqual(expected)
    expect(encodeFrame(decoded as ClientMessage).equals(bytes)).toBe(true)
  })

  test('parses when split in two at every byte boundary', () => {
    const bytes = goldenBytes(golden)
    for (let cut = 1; cut < bytes.length; cut += 1) {
      const pieces = [bytes.subarray(0, cut), bytes.subarray(cut)]
      expect(comparable(parsePieces(golden.from, pieces))).toEqual([expected])
    }
  })

  test('parses when fed one byte at a time, copied out of the chunks', () => {
    const bytes = goldenBytes(golden)
    const pieces = Array.from(bytes, (byte) => Buffer.from([byte]))
    const results = parsePieces(golden.from, pieces)
    expect(comparable(results)).toEqual([expected])
    // Nothing decoded may alias a pushed one-byte chunk: every byte of it was copied.
    for (const piece of pieces) piece[0] = piece[0]! ^ 0xff
    expect(comparable(results)).toEqual([expected])
  })
})

describe('golden frames back to back', () => {
  test.each(['client', 'server'] as const)('all %s frames in one chunk, then in three', (from) => {
    const mine = cases.filter((golden) => golden.from === from)
    const stream = Buffer.concat(mine.map(goldenBytes))
    const expected = mine.map((golden) => comparable(golden.decoded ?? golden.message))
    expect(comparable(parsePieces(from, [stream]))).toEqual(expected)
    const third = Math.floor(stream.length / 3)
    const pieces = [stream.subarray(0, third), stream.subarray(third, 2 * third)]
    pieces.push(stream.subarray(2 * third))
    expect(comparable(parsePieces(from, pieces))).toEqual(expected)
  })

  test('the golden set covers every opcode in its direction', () => {
    const covered = new Set(cases.map((golden) => golden.message.type))
    expect([...covered].sort()).toEqual(Object.values(Opcode).sort())
  })
})
