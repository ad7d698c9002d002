/**
 * Goal: the journal record format is exactly the documented layout (src/wire/journal-record.ts),
 * stays byte-for-byte stable across changes, and every way a record can be wrong is classified
 * (readRecordHeader) or named (decodeRecord) rather than crashing or being accepted.
 * Method: golden vectors, one per record type, in test/golden/journal-record/*.hex: encode and
 * compare byte for byte, decode the golden bytes back, and read a few fields straight from the
 * documented offsets; then hand-made corruptions, each re-checksummed where the point is to get
 * past the checksum, checked against the reason or field they must produce.
 *
 * Golden files are written only on request:
 *   QMQ_UPDATE_GOLDEN=1 npx vitest run test/wire/journal-record.test.ts
 * A missing file fails the test. A changed file means the on-disk format changed: bump
 * RECORD_FORMAT_VERSION (and teach recovery to read the old one) rather than regenerate.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { AssertionError } from '../../src/assert.js'
import { crc32c } from '../../src/checksum/crc32c.js'
import { MAX_RECORD_BYTES, MESSAGE_ID_BYTES } from '../../src/constants.js'
import { ErrorCode, isQmqError } from '../../src/errors.js'
import {
  RecordType,
  type JournalRecord,
  type MessagePutRecord,
  type QueueDefineRecord,
} from '../../src/actors/journal/record-types.js'
import {
  MAX_PUT_OVERHEAD_BYTES,
  recordVersionFor,
  decodePutRecord,
  decodeRecord,
  encodeRecord,
  encodedRecordLength,
  finalizeRecord,
  readRecordHeader,
  type HeaderCheck,
} from '../../src/actors/journal/journal-record.js'

const GOLDEN_DIRECTORY = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'golden',
  'journal-record',
)
const REGENERATE_COMMAND = 'QMQ_UPDATE_GOLDEN=1 npx vitest run test/wire/journal-record.test.ts'

const SEGMENT_BYTES = 64 * 1024 * 1024

interface GoldenCase {
  readonly file: string
  readonly record: JournalRecord
  readonly lsn: number
  readonly batchLsn: number
  readonly epoch: number
}

const orderDefine: QueueDefineRecord = {
  type: RecordType.QUEUE_DEFINE,
  queueId: 3,
  attributes: {
    name: 'APP.ORDERS.IN',
    description: 'Orders from the web shop, prix en €',
    maxDepth: 50_000,
    maxMessageLength: 4 * 1024 * 1024,
    defaultPersistent: true,
    defaultPriority: 4,
    putEnabled: true,
    getEnabled: false,
    deliverySequence: 'FIFO',
    backoutThreshold: 3,
    backoutRequeueQueue: 'APP.ORDERS.BACKOUT',
  },
}

/** What the version-1 golden QUEUE_DEFINE (written before BOTHRESH and BOQNAME) decodes to. */
const orderDefineVersion1: QueueDefineRecord = {
  ...orderDefine,
  attributes: { ...orderDefine.attributes, backoutThreshold: 0, backoutRequeueQueue: '' },
}

const aliasDefine: QueueDefineRecord = {
  type: RecordType.QUEUE_DEFINE,
  queueId: 9,
  attributes: {
    ...orderDefineVersion1.attributes,
    name: 'APP.ORDERS',
    description: '',
    targetQueue: 'APP.ORDERS.IN',
  },
}

const orderPut: MessagePutRecord = {
  type: RecordType.MESSAGE_PUT,
  queueId: 3,
  uowId: 4096,
  descriptor: {
    msgId: Uint8Array.from({ length: MESSAGE_ID_BYTES }, (_, index) => index + 1),
    correlId: Uint8Array.from([...new TextEncoder().encode('ORDER-42'), ...new Uint8Array(16)]),
    persistent: true,
    priority: 7,
    expiry: 600,
    putTimeMs: 1_767_225_600_123,
    backoutCount: 2,
    format: 'MQSTR',
    replyToQueue: 'APP.REPLIES',
    replyToQueueManager: 'QM2',
  },
  body: new TextEncoder().encode('hello, journal'),
}

const ORDER_REQUEST = {
  client: Uint8Array.from({ length: 16 }, (_, index) => 0xc0 + index),
  sequence: 77,
}

const goldenCases: readonly GoldenCase[] = [
  { file: 'queue-define-v2.hex', record: orderDefine, lsn: 4096, batchLsn: 4096, epoch: 7 },
  { file: 'queue-alias-v2.hex', record: aliasDefine, lsn: 4160, batchLsn: 4096, epoch: 7 },
  {
    file: 'qmgr-alter-v2.hex',
    record: {
      type: RecordType.QMGR_ALTER,
      attributes: { deadLetterQueue: 'SYSTEM.DEAD.LETTER.QUEUE', description: 'Grüße' },
    },
    lsn: 64,
    batchLsn: 64,
    epoch: 1,
  },
  {
    file: 'queue-delete.hex',
    record: { type: RecordType.QUEUE_DELETE, queueId: 3 },
    lsn: 65_536,
    batchLsn: 65_488,
    epoch: 7,
  },
  {
    file: 'queue-clear.hex',
    record: { type: RecordType.QUEUE_CLEAR, queueId: 0xfffffffe },
    lsn: 8192,
    batchLsn: 8192,
    epoch: 0xffffffff,
  },
  { file: 'message-put.hex', record: orderPut, lsn: 4168, batchLsn: 4096, epoch: 7 },
  {
    file: 'message-get.hex',
    record: { type: RecordType.MESSAGE_GET, queueId: 3, uowId: 8192, putLsn: 4168 },
    lsn: 8240,
    batchLsn: 8192,
    epoch: 8,
  },
  {
    // Format version 3: the request identity after the body (exactly-once resend).
    file: 'message-put-request-v3.hex',
    record: { ...orderPut, uowId: 0, request: ORDER_REQUEST },
    lsn: 4168,
    batchLsn: 4096,
    epoch: 7,
  },
  {
    file: 'message-get-request-v3.hex',
    record: {
      type: RecordType.MESSAGE_GET,
      queueId: 3,
      uowId: 0,
      putLsn: 4168,
      request: { client: ORDER_REQUEST.client, sequence: 2 ** 40 + 1 },
    },
    lsn: 8240,
    batchLsn: 8192,
    epoch: 8,
  },
  {
    file: 'uow-commit.hex',
    record: { type: RecordType.UOW_COMMIT, uowId: 4096 },
    lsn: 4400,
    batchLsn: 4096,
    epoch: 7,
  },
  {
    // A COMMIT named by a reconnecting client: version 3, the identity after the uowId.
    file: 'uow-commit-request-v3.hex',
    record: {
      type: RecordType.UOW_COMMIT,
      uowId: 4096,
      request: { client: ORDER_REQUEST.client, sequence: 77 },
    },
    lsn: 4400,
    batchLsn: 4096,
    epoch: 7,
  },
  {
    file: 'uow-backout.hex',
    record: { type: RecordType.UOW_BACKOUT, uowId: 8192 },
    lsn: 2 ** 40,
    batchLsn: 2 ** 40 - 64,
    epoch: 8,
  },
  {
    file: 'segment-seal.hex',
    record: { type: RecordType.SEGMENT_SEAL, nextLsn: SEGMENT_BYTES },
    lsn: SEGMENT_BYTES - 48,
    batchLsn: SEGMENT_BYTES - 1024,
    epoch: 8,
  },
  {
    file: 'epoch-start.hex',
    record: { type: RecordType.EPOCH_START, previousEpoch: 7 },
    lsn: 8296,
    batchLsn: 8296,
    epoch: 9,
  },
]

function encodeFinalized(golden: GoldenCase): Uint8Array {
  const bytes = new Uint8Array(encodedRecordLength(golden.record))
  expect(encodeRecord(bytes, 0, golden.record, golden.lsn, golden.epoch)).toBe(bytes.length)
  finalizeRecord(bytes, 0, golden.batchLsn)
  return bytes
}

function formatGolden(golden: GoldenCase, bytes: Uint8Array): string {
  const lines = [
    `# QuorumMQ journal record, format version ${recordVersionFor(golden.record)}: type ${golden.record.type}`,
    `# lsn ${golden.lsn}, batchLsn ${golden.batchLsn}, epoch ${golden.epoch}, ${bytes.length} bytes`,
    `# Written by test/wire/journal-record.test.ts; regenerate: ${REGENERATE_COMMAND}`,
  ]
  for (let offset = 0; offset < bytes.length; offset += 16) {
    const row = Array.from(bytes.subarray(offset, offset + 16), (byte) =>
      byte.toString(16).padStart(2, '0'),
    )
    lines.push(`${offset.toString(16).padStart(4, '0')}: ${row.join(' ')}`)
  }
  return `${lines.join('\n')}\n`
}

function parseGolden(text: string): Uint8Array {
  const hex = text
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .map((line) => line.replace(/^[0-9a-f]+:/, ''))
    .join('')
    .replace(/\s+/g, '')
  expect(hex).toMatch(/^([0-9a-f]{2})*$/)
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16))
}

/** The bytes of a golden file; a missing file fails with the command that writes it. */
function loadGolden(file: string): Uint8Array {
  const path = join(GOLDEN_DIRECTORY, file)
  if (!existsSync(path)) {
    throw new Error(`golden file ${path} is missing; generate it with: ${REGENERATE_COMMAND}`)
  }
  return parseGolden(readFileSync(path, 'utf8'))
}

const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** What decode gives back for a record: MQFMT blank padding is not significant, so not kept. */
function expectedDecoded(record: JournalRecord): JournalRecord {
  if (record.type !== RecordType.MESSAGE_PUT) return record
  const descriptor = { ...record.descriptor, format: record.descriptor.format.trimEnd() }
  return { ...record, descriptor }
}

function readOk(source: Uint8Array, offset: number, lsn: number) {
  const check = readRecordHeader(source, offset, source.length - offset, lsn)
  if (check.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(check)}`)
  return check.header
}

describe('golden vectors', () => {
  it.each(goldenCases)('$file: encodes byte for byte and decodes back', (golden) => {
    const path = join(GOLDEN_DIRECTORY, golden.file)
    const bytes = encodeFinalized(golden)
    if (process.env.QMQ_UPDATE_GOLDEN === '1') {
      mkdirSync(GOLDEN_DIRECTORY, { recursive: true })
      writeFileSync(path, formatGolden(golden, bytes))
    }
    const expected = loadGolden(golden.file)
    expect(toHex(bytes)).toBe(toHex(expected))
    const header = readOk(expected, 0, golden.lsn)
    expect(header).toEqual({
      length: expected.length,
      lsn: golden.lsn,
      batchLsn: golden.batchLsn,
      epoch: golden.epoch,
      type: golden.record.type,
      payloadLength: header.payloadLength,
    })
    expect(decodeRecord(expected, 0, header)).toEqual(expectedDecoded(golden.record))
  })

  it('the PUT golden bytes sit at the offsets the layout table documents', () => {
    const bytes = loadGolden('message-put.hex')
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const text = (start: number, length: number): string =>
      Buffer.from(bytes.subarray(start, start + length)).toString('latin1')
    // Header.
    expect(view.getUint32(0, true)).toBe(crc32c(bytes, 4, bytes.length))
    expect(view.getUint32(4, true)).toBe(bytes.length)
    expect(view.getBigUint64(8, true)).toBe(4168n)
    expect(view.getBigUint64(16, true)).toBe(4096n)
    expect(view.getUint32(24, true)).toBe(7)
    expect([view.getUint8(28), view.getUint8(29), view.getUint16(30, true)]).toEqual([4, 1, 0])
    expect(view.getUint32(36, true)).toBe(0)
    // Payload, from offset 40: fixed fields, names, alignment, then the body at align8(132+q+m).
    const payloadLength = view.getUint32(32, true)
    expect([view.getUint32(40, true), view.getUint32(44, true)]).toEqual([3, 2])
    expect(view.getBigUint64(48, true)).toBe(4096n)
    expect(view.getFloat64(56, true)).toBe(1_767_225_600_123)
    expect([view.getInt32(64, true), view.getUint32(68, true)]).toEqual([600, 14])
    expect([view.getUint8(72), view.getUint8(73), view.getUint8(74), view.getUint8(75)]).toEqual([
      1, 7, 11, 3,
    ])
    expect(text(76, 8)).toBe('MQSTR   ')
    expect(bytes.subarray(84, 108)).toEqual(orderPut.descriptor.msgId)
    expect(text(108, 8)).toBe('ORDER-42')
    expect(text(132, 11)).toBe('APP.REPLIES')
    expect(text(143, 3)).toBe('QM2')
    const bodyOffset = 152 // align8(132 + 11 + 3)
    expect(bytes.subarray(146, bodyOffset)).toEqual(new Uint8Array(6))
    expect(text(bodyOffset, 14)).toBe('hello, journal')
    expect(payloadLength).toBe(bodyOffset - 40 + 14)
    expect(bytes.length).toBe(168)
    expect(bytes.subarray(bodyOffset + 14)).toEqual(new Uint8Array(2))
  })

  it('decodes a version-1 QUEUE_DEFINE (an older log) with BOTHRESH 0 and no BOQNAME', () => {
    const bytes = loadGolden('queue-define.hex')
    expect(bytes[29]).toBe(1)
    expect(decodeRecord(bytes, 0, readOk(bytes, 0, 4096))).toEqual(orderDefineVersion1)
  })

  it('refuses a version it does not know, naming it', () => {
    const bytes = loadGolden('queue-define-v2.hex')
    bytes[29] = 3
    reseal(bytes)
    const check = readRecordHeader(bytes, 0, bytes.length, 4096)
    expect(check).toMatchObject({
      kind: 'invalid',
      reason: 'version',
      detail: 'version 3 of type 1',
    })
  })

  it('the version-1 DEFINE golden bytes sit at the documented offsets', () => {
    const bytes = loadGolden('queue-define.hex')
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const description = new TextEncoder().encode(orderDefine.attributes.description)
    expect(view.getUint32(40, true)).toBe(3)
    expect(view.getUint32(44, true)).toBe(50_000)
    expect(view.getUint32(48, true)).toBe(4 * 1024 * 1024)
    expect(Array.from(bytes.subarray(52, 60))).toEqual([1, 4, 1, 0, 1, 13, description.length, 0])
    expect(Buffer.from(bytes.subarray(60, 73)).toString('latin1')).toBe('APP.ORDERS.IN')
    expect(bytes.subarray(73, 73 + description.length)).toEqual(description)
    expect(view.getUint32(32, true)).toBe(20 + 13 + description.length)
  })
})

/** Writes a record, finalized, into a fresh buffer at `offset`. */
function sealed(record: JournalRecord, lsn: number, offset = 0, batchLsn = lsn): Uint8Array {
  const length = encodedRecordLength(record)
  const bytes = new Uint8Array(offset + length)
  encodeRecord(bytes, offset, record, lsn, 5)
  finalizeRecord(bytes, offset, batchLsn)
  return bytes
}

/** Recomputes the checksum after a deliberate edit, to test what lies behind the checksum. */
function reseal(bytes: Uint8Array, offset = 0): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const length = view.getUint32(offset + 4, true)
  view.setUint32(offset, crc32c(bytes, offset + 4, offset + length), true)
}

function expectInvalid(check: HeaderCheck, reason: string): void {
  expect(check.kind).toBe('invalid')
  if (check.kind === 'invalid') expect(check.reason).toBe(reason)
}

const commit: JournalRecord = { type: RecordType.UOW_COMMIT, uowId: 64 }

describe('readRecordHeader', () => {
  it('calls all-zero space empty, however much of it there is', () => {
    const zeros = new Uint8Array(4096)
    expect(readRecordHeader(zeros, 0, 4096, 0)).toEqual({ kind: 'empty' })
    expect(readRecordHeader(zeros, 8, 40, 8)).toEqual({ kind: 'empty' })
    expect(readRecordHeader(zeros, 4090, 6, 0)).toEqual({ kind: 'empty' })
  })

  it('asks for more bytes when a header or record is cut short', () => {
    const bytes = sealed(orderPut, 4168)
    const short = readRecordHeader(bytes, 0, 39, 4168)
    expect(short).toMatchObject({ kind: 'invalid', reason: 'truncated', requiredBytes: 40 })
    const partial = readRecordHeader(bytes, 0, 100, 4168)
    expect(partial).toMatchObject({ reason: 'truncated', requiredBytes: bytes.length })
    expect(readRecordHeader(bytes, 0, 0, 4168)).toMatchObject({ reason: 'truncated' })
  })

  it('rejects impossible lengths before reading or allocating anything for them', () => {
    for (const length of [0, 8, 32, 44, MAX_RECORD_BYTES + 8, 0xfffffff8, 0xffffffff]) {
      const bytes = sealed(commit, 128)
      new DataView(bytes.buffer).setUint32(4, length, true)
      const check = readRecordHeader(bytes, 0, bytes.length, 128)
      expectInvalid(check, 'length')
      if (check.kind === 'invalid') expect(check.requiredBytes).toBe(0)
    }
  })

  it('detects a wrong checksum, and finds a record that was encoded but not finalized', () => {
    const bytes = sealed(commit, 128)
    bytes[44] = bytes[44]! ^ 0x01
    expectInvalid(readRecordHeader(bytes, 0, bytes.length, 128), 'checksum')
    const unfinalized = new Uint8Array(48)
    encodeRecord(unfinalized, 0, commit, 128, 5)
    expectInvalid(readRecordHeader(unfinalized, 0, 48, 128), 'checksum')
  })

  it('reports a stale record (valid checksum, other LSN) as lsn, as from a recycled segment', () => {
    const bytes = sealed(commit, 128)
    expectInvalid(readRecordHeader(bytes, 0, bytes.length, 128 + SEGMENT_BYTES), 'lsn')
  })

  it('checks version, type, reserved bytes, padding, payload length and batchLsn', () => {
    const cases: readonly (readonly [string, (view: DataView) => void, string])[] = [
      ['version 2', (view) => view.setUint8(29, 2), 'version'],
      ['version 0', (view) => view.setUint8(29, 0), 'version'],
      ['type 0', (view) => view.setUint8(28, 0), 'type'],
      [
        'type past the last',
        (view) => view.setUint8(28, Math.max(...Object.values(RecordType)) + 1),
        'type',
      ],
      ['reserved u16', (view) => view.setUint8(31, 1), 'reserved'],
      ['reserved u32', (view) => view.setUint8(39, 0x80), 'reserved'],
      ['padding', (view) => view.setUint8(view.byteLength - 1, 1), 'reserved'],
      ['payload longer than length', (view) => view.setUint32(32, 20, true), 'length'],
      ['payload much shorter', (view) => view.setUint32(32, 0, true), 'length'],
      ['payload length huge', (view) => view.setUint32(32, 0xffffffff, true), 'length'],
      ['batchLsn after lsn', (view) => view.setUint32(16, 136, true), 'lsn'],
      ['batchLsn unaligned', (view) => view.setUint32(16, 4, true), 'lsn'],
      ['lsn beyond 2^53', (view) => view.setUint32(12, 0x00200000, true), 'lsn'],
    ]
    // QUEUE_DELETE has 4 bytes of padding (payload 4, length 48).
    const record: JournalRecord = { type: RecordType.QUEUE_DELETE, queueId: 9 }
    for (const [name, edit, reason] of cases) {
      const bytes = sealed(record, 128)
      edit(new DataView(bytes.buffer))
      reseal(bytes)
      const check = readRecordHeader(bytes, 0, bytes.length, 128)
      expect(check.kind === 'invalid' && check.reason, name).toBe(reason)
    }
  })

  it('reads only inside [offset, offset + available)', () => {
    const bytes = sealed(commit, 128, 24)
    bytes.fill(0xee, 0, 24)
    const check = readRecordHeader(bytes, 24, 48, 128)
    expect(check.kind).toBe('ok')
    expect(() => readRecordHeader(bytes, 24, 49, 128)).toThrow(AssertionError)
  })

  it('asserts its arguments', () => {
    const bytes = new Uint8Array(64)
    expect(() => readRecordHeader(bytes, -8, 8, 0)).toThrow(AssertionError)
    expect(() => readRecordHeader(bytes, 0, 8, 3)).toThrow(AssertionError)
  })
})

describe('encodeRecord and finalizeRecord', () => {
  it('sizes every record type as documented', () => {
    expect(encodedRecordLength({ type: RecordType.QUEUE_DELETE, queueId: 1 })).toBe(48)
    expect(encodedRecordLength({ type: RecordType.QUEUE_CLEAR, queueId: 1 })).toBe(48)
    expect(encodedRecordLength(commit)).toBe(48)
    expect(encodedRecordLength({ type: RecordType.UOW_BACKOUT, uowId: 0 })).toBe(48)
    expect(encodedRecordLength({ type: RecordType.SEGMENT_SEAL, nextLsn: 0 })).toBe(48)
    const get: JournalRecord = { type: RecordType.MESSAGE_GET, queueId: 1, uowId: 0, putLsn: 0 }
    expect(encodedRecordLength(get)).toBe(64)
    expect(encodedRecordLength({ ...orderPut, body: new Uint8Array(0) })).toBe(152)
    expect(MAX_PUT_OVERHEAD_BYTES).toBe(239) // align8(132 + 48 + 48) + 7
  })

  it('writes every byte: a dirty target gives the same record as a clean one', () => {
    const clean = sealed(orderPut, 4168)
    const dirty = new Uint8Array(clean.length).fill(0xa5)
    encodeRecord(dirty, 0, orderPut, 4168, 5)
    finalizeRecord(dirty, 0, 4168)
    expect(toHex(dirty)).toBe(toHex(clean))
  })

  it('leaves checksum and batchLsn zero until finalizeRecord sets them', () => {
    const bytes = new Uint8Array(48).fill(0xff)
    encodeRecord(bytes, 0, commit, 128, 5)
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0, 0, 0, 0])
    expect(Array.from(bytes.subarray(16, 24))).toEqual(new Array(8).fill(0))
    finalizeRecord(bytes, 0, 64)
    expect(readOk(bytes, 0, 128).batchLsn).toBe(64)
  })

  it('works at any offset of a SharedArrayBuffer view, and of a Buffer', () => {
    const shared = new Uint8Array(new SharedArrayBuffer(4096), 13, 2048)
    const buffer = Buffer.alloc(4096)
    for (const target of [shared, buffer]) {
      const length = encodeRecord(target, 101, orderPut, 4168, 5)
      finalizeRecord(target, 101, 4096)
      const header = readOk(target.subarray(0, 101 + length), 101, 4168)
      const decoded = decodeRecord(target, 101, header) as MessagePutRecord
      expect(Buffer.from(decoded.body).toString()).toBe('hello, journal')
    }
  })

  it('stores MQ blank-padded formats and short formats alike', () => {
    const padded = { ...orderPut, descriptor: { ...orderPut.descriptor, format: 'MQSTR   ' } }
    expect(toHex(sealed(padded, 4168))).toBe(toHex(sealed(orderPut, 4168)))
    const blank = { ...orderPut, descriptor: { ...orderPut.descriptor, format: '' } }
    const bytes = sealed(blank, 4168)
    expect(
      (decodeRecord(bytes, 0, readOk(bytes, 0, 4168)) as MessagePutRecord).descriptor.format,
    ).toBe('')
  })

  it('asserts on records the engine should never produce', () => {
    const put = (change: object): JournalRecord => ({
      ...orderPut,
      descriptor: { ...orderPut.descriptor, ...change },
    })
    const define = (change: object): JournalRecord => ({
      ...orderDefine,
      attributes: { ...orderDefine.attributes, ...change },
    })
    const bad: readonly (readonly [string, JournalRecord])[] = [
      ['priority 10', put({ priority: 10 })],
      ['expiry 0', put({ expiry: 0 })],
      ['putTimeMs NaN', put({ putTimeMs: Number.NaN })],
      ['msgId 23 bytes', put({ msgId: new Uint8Array(23) })],
      ['format 9 chars', put({ format: 'MQSTRINGS' })],
      ['format not ASCII', put({ format: 'MQSTRé' })],
      ['replyToQueue 49 chars', put({ replyToQueue: 'Q'.repeat(49) })],
      ['replyToQueue control char', put({ replyToQueue: 'Q\n' })],
      ['uowId after lsn', { ...orderPut, uowId: 8192 }],
      ['uowId unaligned', { ...orderPut, uowId: 4 }],
      ['queueId 2^32', { type: RecordType.QUEUE_DELETE, queueId: 2 ** 32 }],
      ['name empty', define({ name: '' })],
      ['name 49 chars', define({ name: 'Q'.repeat(49) })],
      ['description 65 bytes', define({ description: 'é'.repeat(33) })],
      ['description lone surrogate', define({ description: 'a\ud800b' })],
      ['maxDepth above the limit', define({ maxDepth: 1_000_000_000 })],
      ['defaultPriority -1', define({ defaultPriority: -1 })],
      [
        'putLsn not before lsn',
        { type: RecordType.MESSAGE_GET, queueId: 1, uowId: 0, putLsn: 4168 },
      ],
      ['seal inside itself', { type: RecordType.SEGMENT_SEAL, nextLsn: 4168 + 40 }],
    ]
    for (const [name, record] of bad) {
      const target = new Uint8Array(1024)
      expect(() => encodeRecord(target, 0, record, 4168, 5), name).toThrow(AssertionError)
    }
    const target = new Uint8Array(1024)
    expect(() => encodeRecord(target, 0, commit, 12, 5)).toThrow(AssertionError)
    expect(() => encodeRecord(target, 0, commit, 128, -1)).toThrow(AssertionError)
    expect(() => encodeRecord(target, 1000, commit, 128, 5)).toThrow(AssertionError)
  })

  it('finalizeRecord asserts there is a record and batchLsn is not after it', () => {
    const bytes = new Uint8Array(96)
    expect(() => finalizeRecord(bytes, 0, 0)).toThrow(AssertionError)
    encodeRecord(bytes, 0, commit, 128, 5)
    expect(() => finalizeRecord(bytes, 0, 136)).toThrow(AssertionError)
    expect(() => finalizeRecord(bytes, 64, 0)).toThrow(AssertionError)
  })
})

function expectRecordInvalid(action: () => unknown, field: string, name = field): void {
  try {
    action()
  } catch (error) {
    expect(isQmqError(error), `${name}: ${String(error)}`).toBe(true)
    if (isQmqError(error)) {
      expect(error.code, name).toBe(ErrorCode.RECORD_INVALID)
      expect(error.details.field, name).toBe(field)
    }
    return
  }
  throw new Error(`${name}: expected RECORD_INVALID for ${field}`)
}

describe('decodeRecord', () => {
  it('returns the body as a view of the source and the ids as copies', () => {
    const bytes = sealed(orderPut, 4168, 16)
    const decoded = decodeRecord(bytes, 16, readOk(bytes, 16, 4168)) as MessagePutRecord
    expect(decoded.body.buffer).toBe(bytes.buffer)
    expect(decoded.body.byteOffset).toBe(16 + 152)
    expect(decoded.descriptor.msgId.buffer).not.toBe(bytes.buffer)
    bytes.fill(0, 16 + 84, 16 + 132)
    expect(decoded.descriptor.msgId).toEqual(orderPut.descriptor.msgId)
  })

  it('names the field of every out-of-range value behind a valid checksum', () => {
    const put = 40 // payload offset
    const cases: readonly (readonly [string, JournalRecord, number, number, string])[] = [
      ['PUT persistent 2', orderPut, put + 32, 2, 'persistent'],
      ['PUT priority 10', orderPut, put + 33, 10, 'priority'],
      ['PUT replyToQueue length 49', orderPut, put + 34, 49, 'replyToQueue'],
      ['PUT replyToQueueManager length', orderPut, put + 35, 49, 'replyToQueueManager'],
      ['PUT names longer than payload', orderPut, put + 35, 20, 'bodyLength'],
      ['PUT body length', orderPut, put + 28, 15, 'bodyLength'],
      ['PUT body length huge', orderPut, put + 31, 0xff, 'bodyLength'],
      ['PUT expiry negative', orderPut, put + 27, 0x80, 'expiry'],
      ['PUT format control char', orderPut, put + 36, 9, 'format'],
      ['PUT replyToQueue non-ASCII', orderPut, put + 92, 0xc3, 'replyToQueue'],
      ['PUT replyToQueueManager', orderPut, put + 103, 0x7f, 'replyToQueueManager'],
      ['PUT alignment', orderPut, put + 106, 1, 'alignment'],
      ['PUT putTimeMs negative', orderPut, put + 23, 0xff, 'putTimeMs'],
      ['PUT uowId after lsn', orderPut, put + 9, 0x20, 'uowId'],
      ['PUT uowId unaligned', orderPut, put + 8, 1, 'uowId'],
      // QUEUE_DEFINE version 2: u32 queueId, then the attribute block at payload offset 4.
      ['DEFINE name empty', orderDefine, put + 4 + 14, 0, 'name'],
      ['DEFINE name length 49', orderDefine, put + 4 + 14, 49, 'name'],
      ['DEFINE name control char', orderDefine, put + 4 + 20, 0x1f, 'name'],
      ['DEFINE description length', orderDefine, put + 4 + 15, 65, 'description'],
      ['DEFINE description UTF-8', orderDefine, put + 4 + 20 + 13, 0xff, 'description'],
      ['DEFINE BOQNAME length 49', orderDefine, put + 4 + 16, 49, 'backoutQueue'],
      ['DEFINE names past the payload', orderDefine, put + 4 + 17, 3, 'attributes'],
      ['DEFINE reserved', orderDefine, put + 4 + 18, 1, 'reserved'],
      ['DEFINE maxDepth', orderDefine, put + 4 + 3, 0x40, 'maxDepth'],
      ['DEFINE maxMessageLength', orderDefine, put + 4 + 7, 1, 'maxMessageLength'],
      ['DEFINE BOTHRESH', orderDefine, put + 4 + 11, 0x40, 'backoutThreshold'],
      ['DEFINE defaultPriority', orderDefine, put + 4 + 12, 10, 'defaultPriority'],
      ['DEFINE flags', orderDefine, put + 4 + 13, 0x10, 'flags'],
    ]
    for (const [name, record, offset, value, field] of cases) {
      const bytes = sealed(record, 4168, 0, 4096)
      bytes[offset] = value
      reseal(bytes)
      const header = readOk(bytes, 0, 4168)
      expectRecordInvalid(() => decodeRecord(bytes, 0, header), field, name)
    }
  })

  it('rejects a putTimeMs that is NaN or infinite', () => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, -1]) {
      const bytes = sealed(orderPut, 4168)
      new DataView(bytes.buffer).setFloat64(40 + 16, value, true)
      reseal(bytes)
      expectRecordInvalid(() => decodeRecord(bytes, 0, readOk(bytes, 0, 4168)), 'putTimeMs')
    }
  })

  it('checks cross-field LSN rules of GET, UOW and SEAL records', () => {
    const get: JournalRecord = { type: RecordType.MESSAGE_GET, queueId: 1, uowId: 64, putLsn: 64 }
    const cases: readonly (readonly [JournalRecord, number, number, string])[] = [
      [get, 40 + 4, 1, 'reserved'],
      [get, 40 + 16, 4, 'putLsn'],
      [get, 40 + 17, 0x20, 'putLsn'],
      [get, 40 + 15, 0xff, 'uowId'],
      [commit, 40 + 1, 0x20, 'uowId'],
      [{ type: RecordType.SEGMENT_SEAL, nextLsn: 8192 }, 40 + 1, 0, 'nextLsn'],
    ]
    for (const [record, offset, value, field] of cases) {
      const bytes = sealed(record, 4168)
      bytes[offset] = value
      reseal(bytes)
      expectRecordInvalid(() => decodeRecord(bytes, 0, readOk(bytes, 0, 4168)), field)
    }
  })

  it('checks that a fixed-size payload has exactly its size', () => {
    const bytes = sealed(commit, 128)
    const view = new DataView(bytes.buffer)
    view.setUint8(28, RecordType.QUEUE_DELETE) // payload 8 where QUEUE_DELETE has 4
    reseal(bytes)
    expectRecordInvalid(() => decodeRecord(bytes, 0, readOk(bytes, 0, 128)), 'payloadLength')
  })

  it('keeps format decoding right across different formats (the last-format cache)', () => {
    for (const format of ['MQSTR', 'MQHRF2', '', 'MQSTR', 'A B']) {
      const record = { ...orderPut, descriptor: { ...orderPut.descriptor, format } }
      const bytes = sealed(record, 4168)
      const decoded = decodeRecord(bytes, 0, readOk(bytes, 0, 4168)) as MessagePutRecord
      expect(decoded.descriptor.format).toBe(format)
    }
    const bytes = sealed(orderPut, 4168)
    bytes[40 + 36 + 7] = 0x00 // 'MQSTR  \0': not the cached 'MQSTR   '
    reseal(bytes)
    expectRecordInvalid(() => decodeRecord(bytes, 0, readOk(bytes, 0, 4168)), 'format')
  })

  it('asserts that the header belongs to the bytes', () => {
    const bytes = sealed(commit, 128)
    const header = readOk(bytes, 0, 128)
    expect(() => decodeRecord(bytes, 8, header)).toThrow(AssertionError)
    expect(() => decodeRecord(bytes, 0, { ...header, type: RecordType.UOW_BACKOUT })).toThrow(
      AssertionError,
    )
  })
})

describe('decodePutRecord', () => {
  it('reads one PUT back at its LSN', () => {
    const bytes = sealed(orderPut, 4168, 8, 4096)
    expect(decodePutRecord(bytes, 8, bytes.length - 8, 4168)).toEqual(expectedDecoded(orderPut))
  })

  it('throws RECORD_INVALID with the reason for anything that is not that PUT', () => {
    const bytes = sealed(orderPut, 4168)
    const reasonOf = (action: () => unknown): unknown => {
      try {
        action()
      } catch (error) {
        expect(isQmqError(error) && error.code).toBe(ErrorCode.RECORD_INVALID)
        return isQmqError(error) ? (error.details.reason ?? error.details.field) : undefined
      }
      return 'no error'
    }
    expect(reasonOf(() => decodePutRecord(bytes, 0, bytes.length, 4176))).toBe('lsn')
    expect(reasonOf(() => decodePutRecord(bytes, 0, 100, 4168))).toBe('truncated')
    expect(reasonOf(() => decodePutRecord(new Uint8Array(64), 0, 64, 0))).toBe('empty')
    const other = sealed(commit, 4168)
    expect(reasonOf(() => decodePutRecord(other, 0, other.length, 4168))).toBe('type')
  })
})
