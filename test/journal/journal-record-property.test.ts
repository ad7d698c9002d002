/**
 * Goal: for any valid record, encode then read gives the record back; for any bytes at all, the
 * readers answer with a classification or a QmqError RECORD_INVALID, never another exception and
 * never a record built from bytes outside the range they were given; every single-bit error in
 * a record is caught; and decoding is canonical (accepted bytes re-encode to the same bytes, so
 * no field has two spellings and no unchecked byte exists).
 * Method: fast-check with a fixed seed, so runs are reproducible (QMQ_PROPERTY_SEED and
 * QMQ_PROPERTY_RUNS explore further): arbitraries for every record type over the full documented
 * ranges, written at random offsets into dirty plain and SharedArrayBuffer targets; random
 * mutations (bit flips, byte writes, truncation, random spans, length overwrites) with and
 * without recomputing the checksum; each read twice, with different bytes around the readable
 * range, and the answers compared.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { crc32c } from '../../src/checksum/crc32c.js'
import {
  MAX_DEPTH_LIMIT,
  MAX_MESSAGE_BYTES,
  MAX_QUEUE_DESCRIPTION_BYTES,
  MAX_QUEUE_MANAGER_NAME_BYTES,
  MAX_QUEUE_NAME_BYTES,
  MESSAGE_ID_BYTES,
} from '../../src/constants.js'
import { ErrorCode, isQmqError } from '../../src/errors.js'
import { RecordType, type JournalRecord } from '../../src/actors/journal/record-types.js'
import {
  decodeRecord,
  encodeRecord,
  encodedRecordLength,
  finalizeRecord,
  readRecordHeader,
} from '../../src/actors/journal/journal-record.js'

const PROPERTY_SEED = Number(process.env.QMQ_PROPERTY_SEED ?? 0x4a524e4c)
const PROPERTY_RUNS = Number(process.env.QMQ_PROPERTY_RUNS ?? 400)
const propertyOptions = { seed: PROPERTY_SEED, numRuns: PROPERTY_RUNS }
const MAX_LSN_UNITS = Math.floor(Number.MAX_SAFE_INTEGER / 8)

// ---- Arbitraries over the documented ranges ----

const printableAscii = fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code))
const asciiText = (minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: printableAscii, minLength, maxLength })
const u32 = fc.integer({ min: 0, max: 0xffffffff })
const lsnAtMost = (max: number): fc.Arbitrary<number> =>
  fc.integer({ min: 0, max: Math.floor(max / 8) }).map((units) => units * 8)
const uowIdFor = (lsn: number): fc.Arbitrary<number> =>
  fc.oneof(fc.constant(0), lsnAtMost(lsn), fc.constant(lsn))
const messageId = fc.uint8Array({ minLength: MESSAGE_ID_BYTES, maxLength: MESSAGE_ID_BYTES })

const description = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: MAX_QUEUE_DESCRIPTION_BYTES }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    asciiText(0, MAX_QUEUE_DESCRIPTION_BYTES),
  )
  .filter((text) => Buffer.byteLength(text, 'utf8') <= MAX_QUEUE_DESCRIPTION_BYTES)

const queueDefine = fc.record({
  type: fc.constant(RecordType.QUEUE_DEFINE),
  queueId: u32,
  attributes: fc.record(
    {
      name: asciiText(1, MAX_QUEUE_NAME_BYTES),
      description,
      maxDepth: fc.integer({ min: 0, max: MAX_DEPTH_LIMIT }),
      maxMessageLength: fc.integer({ min: 0, max: MAX_MESSAGE_BYTES }),
      defaultPersistent: fc.boolean(),
      defaultPriority: fc.integer({ min: 0, max: 9 }),
      putEnabled: fc.boolean(),
      getEnabled: fc.boolean(),
      deliverySequence: fc.constantFrom('PRIORITY' as const, 'FIFO' as const),
      backoutThreshold: fc.integer({ min: 0, max: MAX_DEPTH_LIMIT }),
      backoutRequeueQueue: asciiText(0, MAX_QUEUE_NAME_BYTES),
      targetQueue: asciiText(1, MAX_QUEUE_NAME_BYTES),
    },
    {
      requiredKeys: [
        'name',
        'description',
        'maxDepth',
        'maxMessageLength',
        'defaultPersistent',
        'defaultPriority',
        'putEnabled',
        'getEnabled',
        'deliverySequence',
        'backoutThreshold',
        'backoutRequeueQueue',
      ],
    },
  ),
})

const queueManagerAlter = fc.record({
  type: fc.constant(RecordType.QMGR_ALTER),
  attributes: fc.record({ deadLetterQueue: asciiText(0, MAX_QUEUE_NAME_BYTES), description }),
})

const descriptor = fc.record({
  msgId: messageId,
  correlId: messageId,
  persistent: fc.boolean(),
  priority: fc.integer({ min: 0, max: 9 }),
  expiry: fc.oneof(fc.constant(-1), fc.integer({ min: 1, max: 0x7fffffff })),
  putTimeMs: fc.oneof(
    fc.integer({ min: 0, max: 4_102_444_800_000 }),
    fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }),
  ),
  backoutCount: u32,
  format: asciiText(0, 8),
  replyToQueue: asciiText(0, MAX_QUEUE_NAME_BYTES),
  replyToQueueManager: asciiText(0, MAX_QUEUE_MANAGER_NAME_BYTES),
})

const body = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 5000 }) },
)

/** A record and an LSN it may be written at (GET, PUT and SEAL constrain one by the other). */
interface Placed {
  readonly record: JournalRecord
  readonly lsn: number
  readonly batchLsn: number
  readonly epoch: number
}

/** A request identity (format version 3 PUT and GET). */
const request = fc.record({
  client: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  sequence: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
})

function placedAt(lsn: number): fc.Arbitrary<Omit<Placed, 'epoch' | 'batchLsn'>> {
  const records: fc.Arbitrary<JournalRecord>[] = [
    queueDefine,
    fc.record({ type: fc.constant(RecordType.QUEUE_DELETE), queueId: u32 }),
    queueManagerAlter,
    fc.record({ type: fc.constant(RecordType.QUEUE_CLEAR), queueId: u32 }),
    fc.record({
      type: fc.constant(RecordType.MESSAGE_PUT),
      queueId: u32,
      uowId: uowIdFor(lsn),
      descriptor,
      body,
    }),
    // Version 3: a PUT outside a unit of work naming its request.
    fc.record({
      type: fc.constant(RecordType.MESSAGE_PUT),
      queueId: u32,
      uowId: fc.constant(0),
      descriptor,
      body,
      request,
    }),
    fc.record({ type: fc.constant(RecordType.UOW_COMMIT), uowId: uowIdFor(lsn) }),
    fc.record({ type: fc.constant(RecordType.UOW_BACKOUT), uowId: uowIdFor(lsn) }),
  ]
  if (lsn >= 8) {
    records.push(
      fc.record({
        type: fc.constant(RecordType.MESSAGE_GET),
        queueId: u32,
        uowId: uowIdFor(lsn),
        putLsn: lsnAtMost(lsn - 8),
      }),
      fc.record({
        type: fc.constant(RecordType.MESSAGE_GET),
        queueId: u32,
        uowId: fc.constant(0),
        putLsn: lsnAtMost(lsn - 8),
        request,
      }),
    )
  }
  if (lsn + 48 + 1024 <= Number.MAX_SAFE_INTEGER) {
    const nextLsn = fc.integer({ min: 6, max: 128 }).map((units) => lsn + units * 8)
    records.push(fc.record({ type: fc.constant(RecordType.SEGMENT_SEAL), nextLsn }))
  }
  return fc.oneof(...records).map((record) => ({ record, lsn }))
}

const lsnArbitrary = fc.oneof(
  lsnAtMost(1 << 20),
  fc.integer({ min: 0, max: MAX_LSN_UNITS }).map((units) => units * 8),
  fc.constant(MAX_LSN_UNITS * 8 - 1024 * 8),
)

const placed: fc.Arbitrary<Placed> = lsnArbitrary.chain((lsn) =>
  fc.tuple(placedAt(lsn), lsnAtMost(lsn), u32).map(([at, batchLsn, epoch]) => ({
    ...at,
    batchLsn,
    epoch,
  })),
)

// ---- Helpers ----

function expectedDecoded(record: JournalRecord): JournalRecord {
  if (record.type !== RecordType.MESSAGE_PUT) return record
  const trimmed = { ...record.descriptor, format: record.descriptor.format.trimEnd() }
  return { ...record, descriptor: trimmed }
}

function encodeSealed(target: Uint8Array, offset: number, entry: Placed): number {
  const length = encodeRecord(target, offset, entry.record, entry.lsn, entry.epoch)
  finalizeRecord(target, offset, entry.batchLsn)
  return length
}

function standalone(entry: Placed): Uint8Array {
  const bytes = new Uint8Array(encodedRecordLength(entry.record))
  encodeSealed(bytes, 0, entry)
  return bytes
}

function reseal(bytes: Uint8Array): void {
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true)
  if (length < 8 || length > bytes.length) return
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(0, crc32c(bytes, 4, length), true)
}

/**
 * Everything the readers answer for `available` bytes at `offset`, as plain data: the header
 * check, then the decoded record or the error. Any exception other than QmqError
 * RECORD_INVALID fails the property.
 */
function readAll(source: Uint8Array, offset: number, available: number, lsn: number): unknown {
  const check = readRecordHeader(source, offset, available, lsn)
  if (check.kind !== 'ok') return check
  try {
    const record = decodeRecord(source, offset, check.header)
    return { check, record: plain(record) }
  } catch (error) {
    if (!(isQmqError(error) && error.code === ErrorCode.RECORD_INVALID)) throw error
    return { check, error: error.message, field: error.details.field }
  }
}

/** Uint8Arrays as arrays, so answers from different buffers compare by content only. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return Array.from(value)
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, plain(field)]))
}

/**
 * Reads `bytes[0, available)` placed at `guardBytes` into two buffers whose other bytes differ
 * (zeros against 0xA5, a valid-looking pattern): equal answers prove nothing outside the given
 * range was read.
 */
function readIsolated(bytes: Uint8Array, available: number, lsn: number): unknown {
  const guardBytes = 24
  const answers = [0x00, 0xa5].map((fill) => {
    const buffer = new Uint8Array(guardBytes + bytes.length + guardBytes).fill(fill)
    buffer.set(bytes.subarray(0, available), guardBytes)
    return readAll(buffer, guardBytes, available, lsn)
  })
  expect(answers[1]).toEqual(answers[0])
  return answers[0]
}

// ---- Properties ----

describe('round trip', () => {
  it('any valid record encodes, finalizes, reads and decodes back to itself', () => {
    fc.assert(
      fc.property(
        placed,
        fc.nat({ max: 64 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 255 }),
        (entry, offset, shared, dirt) => {
          const length = encodedRecordLength(entry.record)
          const memory = shared
            ? new SharedArrayBuffer(offset + length)
            : new ArrayBuffer(offset + length)
          const target = new Uint8Array(memory).fill(dirt)
          expect(encodeSealed(target, offset, entry)).toBe(length)
          const check = readRecordHeader(target, offset, length, entry.lsn)
          expect(check.kind).toBe('ok')
          if (check.kind !== 'ok') return
          expect(check.header).toEqual({
            length,
            lsn: entry.lsn,
            batchLsn: entry.batchLsn,
            epoch: entry.epoch,
            type: entry.record.type,
            payloadLength: check.header.payloadLength,
          })
          const decoded = decodeRecord(target, offset, check.header)
          expect(plain(decoded)).toEqual(plain(expectedDecoded(entry.record)))
        },
      ),
      propertyOptions,
    )
  })

  it('decoding is canonical: re-encoding anything accepted gives the same bytes', () => {
    fc.assert(
      fc.property(
        placed,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        (entry, edits) => {
          const bytes = standalone(entry)
          // Edit payload bytes only, then re-checksum, so decodeRecord's checks are what decide.
          for (const [position, value] of edits) {
            if (bytes.length > 40) bytes[40 + (position % (bytes.length - 40))] = value
          }
          reseal(bytes)
          const check = readRecordHeader(bytes, 0, bytes.length, entry.lsn)
          if (check.kind !== 'ok') return
          let decoded: JournalRecord
          try {
            decoded = decodeRecord(bytes, 0, check.header)
          } catch (error) {
            if (isQmqError(error) && error.code === ErrorCode.RECORD_INVALID) return
            throw error
          }
          const again = new Uint8Array(encodedRecordLength(decoded))
          encodeRecord(again, 0, decoded, check.header.lsn, check.header.epoch)
          finalizeRecord(again, 0, check.header.batchLsn)
          expect(Buffer.from(again).toString('hex')).toBe(Buffer.from(bytes).toString('hex'))
        },
      ),
      propertyOptions,
    )
  })
})

type Mutation =
  | { readonly kind: 'flip'; readonly bit: number }
  | { readonly kind: 'write'; readonly position: number; readonly value: number }
  | { readonly kind: 'span'; readonly position: number; readonly bytes: Uint8Array }
  | { readonly kind: 'length'; readonly value: number }
  | { readonly kind: 'truncate'; readonly keep: number }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), bit: fc.nat() }),
  fc.record({
    kind: fc.constant('write' as const),
    position: fc.nat(),
    value: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({
    kind: fc.constant('span' as const),
    position: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  }),
  fc.record({
    kind: fc.constant('length' as const),
    value: fc.oneof(
      u32,
      fc.integer({ min: 0, max: 512 }).map((units) => units * 8),
    ),
  }),
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }),
)

/** Applies mutations in place; returns how many leading bytes stay readable. */
function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): number {
  let available = bytes.length
  for (const change of mutations) {
    switch (change.kind) {
      case 'flip': {
        const bit = change.bit % (bytes.length * 8)
        bytes[bit >>> 3] = bytes[bit >>> 3]! ^ (1 << (bit & 7))
        break
      }
      case 'write':
        bytes[change.position % bytes.length] = change.value
        break
      case 'span':
        bytes.set(
          change.bytes.subarray(0, bytes.length),
          change.position % Math.max(1, bytes.length - change.bytes.length + 1),
        )
        break
      case 'length':
        new DataView(bytes.buffer, bytes.byteOffset).setUint32(4, change.value, true)
        break
      case 'truncate':
        available = Math.min(available, change.keep % (bytes.length + 1))
        break
    }
  }
  return available
}

describe('fuzz', () => {
  it('mutated records are classified or rejected, never thrown on, never read out of range', () => {
    fc.assert(
      fc.property(
        placed,
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (entry, mutations, resealed) => {
          const bytes = standalone(entry)
          const available = mutate(bytes, mutations)
          if (resealed) reseal(bytes)
          readIsolated(bytes, available, entry.lsn)
        },
      ),
      propertyOptions,
    )
  })

  it('random bytes with a plausible header are classified or rejected', () => {
    const header = fc.record({
      type: fc.integer({ min: 0, max: 10 }),
      payloadLength: fc.integer({ min: 0, max: 400 }),
      lsnUnits: fc.integer({ min: 0, max: 1 << 20 }),
    })
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 440 }), (fields, payload) => {
        const length = Math.ceil((40 + fields.payloadLength) / 8) * 8
        const bytes = new Uint8Array(length)
        const view = new DataView(bytes.buffer)
        view.setUint32(4, length, true)
        view.setUint32(8, fields.lsnUnits * 8, true)
        view.setUint8(28, fields.type)
        view.setUint8(29, 1)
        view.setUint32(32, fields.payloadLength, true)
        bytes.set(payload.subarray(0, fields.payloadLength), 40)
        reseal(bytes)
        readIsolated(bytes, length, fields.lsnUnits * 8)
      }),
      propertyOptions,
    )
  })

  it('arbitrary bytes are classified without throwing', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        readIsolated(bytes, bytes.length, 0)
      }),
      propertyOptions,
    )
  })
})

describe('error detection', () => {
  const samples: readonly Placed[] = [
    {
      record: {
        type: RecordType.MESSAGE_PUT,
        queueId: 12,
        uowId: 1024,
        descriptor: {
          msgId: new Uint8Array(MESSAGE_ID_BYTES).fill(7),
          correlId: new Uint8Array(MESSAGE_ID_BYTES),
          persistent: true,
          priority: 9,
          expiry: 36_000,
          putTimeMs: 1_767_225_600_000,
          backoutCount: 1,
          format: 'MQHRF2',
          replyToQueue: 'REPLY.Q',
          replyToQueueManager: 'QM1',
        },
        body: Uint8Array.from({ length: 300 }, (_, index) => index & 0xff),
      },
      lsn: 2048,
      batchLsn: 1024,
      epoch: 3,
    },
    {
      record: {
        type: RecordType.QUEUE_DEFINE,
        queueId: 1,
        attributes: {
          name: 'SYSTEM.DEAD.LETTER.QUEUE',
          description: 'Nachrichten, die nicht zugestellt werden konnten',
          maxDepth: 999_999_999,
          maxMessageLength: 4_194_304,
          defaultPersistent: false,
          defaultPriority: 0,
          putEnabled: true,
          getEnabled: true,
          deliverySequence: 'PRIORITY',
          backoutThreshold: 0,
          backoutRequeueQueue: '',
        },
      },
      lsn: 0,
      batchLsn: 0,
      epoch: 1,
    },
    { record: { type: RecordType.QUEUE_CLEAR, queueId: 4 }, lsn: 8, batchLsn: 0, epoch: 1 },
    {
      record: { type: RecordType.MESSAGE_GET, queueId: 4, uowId: 0, putLsn: 2048 },
      lsn: 4096,
      batchLsn: 4096,
      epoch: 1,
    },
    { record: { type: RecordType.UOW_BACKOUT, uowId: 64 }, lsn: 128, batchLsn: 64, epoch: 1 },
    {
      record: { type: RecordType.SEGMENT_SEAL, nextLsn: 65_536 },
      lsn: 65_488,
      batchLsn: 65_000,
      epoch: 1,
    },
  ]

  it.each(samples.map((sample) => [sample.record.type, sample] as const))(
    'every single-bit flip in a record of type %i is detected by readRecordHeader',
    (_, sample) => {
      const pristine = standalone(sample)
      expect(readRecordHeader(pristine, 0, pristine.length, sample.lsn).kind).toBe('ok')
      for (let bit = 0; bit < pristine.length * 8; bit++) {
        const bytes = pristine.slice()
        bytes[bit >>> 3] = bytes[bit >>> 3]! ^ (1 << (bit & 7))
        const check = readRecordHeader(bytes, 0, bytes.length, sample.lsn)
        if (check.kind !== 'invalid') throw new Error(`bit ${bit} flip gave ${check.kind}`)
        expect(['checksum', 'length', 'truncated']).toContain(check.reason)
      }
    },
  )

  it('non-zero padding or alignment bytes are rejected even behind a valid checksum', () => {
    fc.assert(
      fc.property(placed, fc.nat(), fc.integer({ min: 1, max: 255 }), (entry, pick, value) => {
        const bytes = standalone(entry)
        const view = new DataView(bytes.buffer)
        const payloadEnd = 40 + view.getUint32(32, true)
        if (payloadEnd === bytes.length) return
        bytes[payloadEnd + (pick % (bytes.length - payloadEnd))] = value
        reseal(bytes)
        const check = readRecordHeader(bytes, 0, bytes.length, entry.lsn)
        expect(check.kind === 'invalid' && check.reason).toBe('reserved')
      }),
      propertyOptions,
    )
  })
})
