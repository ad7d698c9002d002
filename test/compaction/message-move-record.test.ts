/**
 * Goal: the MESSAGE_MOVE wire format is pinned and is the MESSAGE_PUT layout but for the type and
 * the u64 at payload offset 8 (fromPutLsn instead of uowId); it decodes back to the same record,
 * and a fromPutLsn that is not an LSN below the record's own is rejected as corrupt.
 * Method: a golden vector (test/compaction/golden/message-move.hex; QMQ_UPDATE_GOLDEN=1 writes
 * it), a byte comparison with the equivalent PUT, and decode of altered bytes.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import {
  decodeRecord,
  encodeRecord,
  encodedRecordLength,
  finalizeRecord,
  readRecordHeader,
} from '../../src/actors/journal/journal-record.js'
import {
  RecordType,
  type JournalRecord,
  type MessageMoveRecord,
} from '../../src/actors/journal/record-types.js'
import { MESSAGE_ID_BYTES, RECORD_HEADER_BYTES } from '../../src/constants.js'

const GOLDEN = fileURLToPath(new URL('./golden/message-move.hex', import.meta.url))
const LSN = 1_048_576 + 4096
const EPOCH = 7

const move: MessageMoveRecord = {
  type: RecordType.MESSAGE_MOVE,
  queueId: 3,
  fromPutLsn: 4168,
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

function encoded(record: JournalRecord): Uint8Array {
  const bytes = new Uint8Array(encodedRecordLength(record))
  encodeRecord(bytes, 0, record, LSN, EPOCH)
  finalizeRecord(bytes, 0, LSN)
  return bytes
}

function decoded(bytes: Uint8Array): JournalRecord {
  const check = readRecordHeader(bytes, 0, bytes.length, LSN)
  if (check.kind !== 'ok') throw new Error(`header: ${check.kind}`)
  return decodeRecord(bytes, 0, check.header)
}

const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

describe('MESSAGE_MOVE record', () => {
  it('matches its golden vector and decodes back', () => {
    const bytes = encoded(move)
    if (process.env['QMQ_UPDATE_GOLDEN'] === '1') writeFileSync(GOLDEN, `${toHex(bytes)}\n`)
    expect(existsSync(GOLDEN), 'golden file missing: QMQ_UPDATE_GOLDEN=1 writes it').toBe(true)
    expect(toHex(bytes)).toBe(readFileSync(GOLDEN, 'utf8').trim())
    const back = decoded(bytes)
    expect(back).toMatchObject({ type: RecordType.MESSAGE_MOVE, queueId: 3, fromPutLsn: 4168 })
    if (back.type !== RecordType.MESSAGE_MOVE) throw new Error('type')
    expect(back.descriptor).toEqual(move.descriptor)
    expect(Buffer.from(back.body).toString()).toBe('hello, journal')
  })

  it('is the PUT layout but for the type and fromPutLsn in place of uowId', () => {
    const { queueId, descriptor, body } = move
    const put = encoded({ type: RecordType.MESSAGE_PUT, queueId, uowId: 0, descriptor, body })
    const moved = encoded(move)
    expect(moved.length).toBe(put.length)
    const differing: number[] = []
    for (let index = 4; index < put.length; index++) {
      if (put[index] !== moved[index]) differing.push(index)
    }
    // Type byte (28) and the low bytes of the u64 at payload offset 8 (4168 = 0x1048).
    expect(differing).toEqual([28, RECORD_HEADER_BYTES + 8, RECORD_HEADER_BYTES + 9])
  })

  it('rejects a fromPutLsn that is not an LSN below its own', () => {
    for (const fromPutLsn of [LSN, LSN + 8, 4169]) {
      const bytes = encoded(move)
      const view = new DataView(bytes.buffer)
      view.setUint32(RECORD_HEADER_BYTES + 8, fromPutLsn, true)
      finalizeRecord(bytes, 0, LSN) // a valid checksum over the bad field
      expect(() => decoded(bytes)).toThrow(/fromPutLsn/)
    }
  })
})
