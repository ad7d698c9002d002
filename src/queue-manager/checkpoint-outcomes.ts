/**
 * The outcome section of a version-3 checkpoint (checkpoint-format.ts): the engine's outcome
 * table (src/queue/outcome-table.ts), oldest first, so that a request sent again is answered
 * with its first outcome after a restart, a checkpoint install or a failover to a member that
 * installed one. Little-endian, every entry 8-aligned.
 *
 * Section head (8 bytes): u32 outcomeCount, u32 reserved 0. Then each entry:
 * | off | width | field           | meaning and range                                      |
 * |-----|-------|-----------------|--------------------------------------------------------|
 * |   0 | u8    | kind            | 1 put, 2 get, 3 commit                                  |
 * |   1 | u8    | priority        | get: 0..9 as at the get; else 0                         |
 * |   2 | 2     | reserved        | 0                                                      |
 * |   4 | u32   | backoutCount    | get: as at the get; else 0                              |
 * |   8 | 16    | requestClient   | any bytes                                              |
 * |  24 | f64   | requestSequence | 1..2^53-1                                              |
 * |  32 | f64   | lsn             | the outcome's record (PUT, GET, UOW_COMMIT), <= header lsn |
 * |  40 | f64   | expiryAtMs      | get: absolute expiry, 0 never; else 0                   |
 * |  48 | f64   | putLsn          | get: the message's put LSN, < lsn; else 0               |
 * |  56 | u32   | queueId         | get: the queue; else 0                                  |
 * |  60 | u32   | recordBytes r   | put: > 0; get: 0 (message not kept) or > 0; commit: 0  |
 * |  64 | r     | record          | a journal record, checksum sealed (journal-record.ts)   |
 *
 * The record is a MESSAGE_PUT (epoch 0, uowId 0, no identity): for a put, at the outcome's LSN,
 * its stored descriptor with an empty body; for a get, at its put LSN, the message it took,
 * body included (what the resend returns even once the log no longer holds it). Reusing the
 * journal's record codec gives the descriptor one layout and a checksum of its own.
 */
import { assert } from '../assert.js'
import { PRIORITY_LEVELS, REQUEST_CLIENT_ID_BYTES } from '../constants.js'
import { LayoutReader, LayoutWriter } from '../codec/layout.js'
import {
  decodeRecord,
  encodedRecordLength,
  encodeRecord,
  finalizeRecord,
  readRecordHeader,
} from '../actors/journal/journal-record.js'
import { RecordType, type MessagePutRecord } from '../actors/journal/record-types.js'
import type { Outcome, OutcomeEntry } from '../queue/outcome-table.js'

const OutcomeKind = { PUT: 1, GET: 2, COMMIT: 3 } as const
const SECTION_HEAD_BYTES = 8
const ENTRY_FIXED_BYTES = 64
const EMPTY_BODY = new Uint8Array(0)

/** The record an entry carries, if any. */
function recordOf(entry: OutcomeEntry): { record: MessagePutRecord; lsn: number } | undefined {
  const { outcome } = entry
  if (outcome.kind === 'put') {
    const record = {
      type: RecordType.MESSAGE_PUT,
      queueId: 0,
      uowId: 0,
      descriptor: outcome.descriptor,
      body: EMPTY_BODY,
    } as const
    return { record, lsn: outcome.lsn }
  }
  if (outcome.kind === 'get' && entry.message !== undefined) {
    const { queueId, descriptor, body } = entry.message
    const record = { type: RecordType.MESSAGE_PUT, queueId, uowId: 0, descriptor, body } as const
    return { record, lsn: outcome.putLsn }
  }
  return undefined
}

/** Bytes the section takes for `outcomes`. */
export function outcomeSectionBytes(outcomes: readonly OutcomeEntry[]): number {
  let total = SECTION_HEAD_BYTES
  for (const entry of outcomes) {
    const carried = recordOf(entry)
    total += ENTRY_FIXED_BYTES + (carried === undefined ? 0 : encodedRecordLength(carried.record))
  }
  return total
}

export function writeOutcomes(
  writer: LayoutWriter<Uint8Array>,
  target: Uint8Array,
  outcomes: readonly OutcomeEntry[],
): void {
  writer.u32(outcomes.length, 'outcomeCount')
  writer.zeros(4, 'reserved')
  for (const entry of outcomes) writeEntry(writer, target, entry)
}

function writeEntry(
  writer: LayoutWriter<Uint8Array>,
  target: Uint8Array,
  entry: OutcomeEntry,
): void {
  const { outcome, request } = entry
  assert(outcome.lsn >= 0, 'checkpoint: only outcomes with a record')
  assert(request.client.length === REQUEST_CLIENT_ID_BYTES, 'checkpoint: request client')
  const get = outcome.kind === 'get' ? outcome : undefined
  const kind = { put: OutcomeKind.PUT, get: OutcomeKind.GET, commit: OutcomeKind.COMMIT }
  const carried = recordOf(entry)
  const recordBytes = carried === undefined ? 0 : encodedRecordLength(carried.record)
  writer.u8(kind[outcome.kind], 'kind')
  writer.u8(get?.priority ?? 0, 'priority')
  writer.zeros(2, 'reserved')
  writer.u32(get?.backoutCount ?? 0, 'backoutCount')
  writer.bytes(request.client, 'requestClient')
  writer.f64(request.sequence, 'requestSequence')
  writer.f64(outcome.lsn, 'lsn')
  writer.f64(get?.expiryAtMs ?? 0, 'expiryAtMs')
  writer.f64(get?.putLsn ?? 0, 'putLsn')
  writer.u32(get?.queueId ?? 0, 'queueId')
  writer.u32(recordBytes, 'recordBytes')
  if (carried === undefined) return
  const at = writer.claim(recordBytes, 'record')
  encodeRecord(target, at, carried.record, carried.lsn, 0)
  finalizeRecord(target, at, carried.lsn)
}

/** `expect` reports a fault as CHECKPOINT_CORRUPT naming the field (checkpoint-format.ts). */
export type Expect = (condition: boolean, field: string, detail: string) => void

const isSafeCount = (value: number): boolean => Number.isSafeInteger(value) && value >= 0

export function readOutcomes(
  reader: LayoutReader<Uint8Array>,
  source: Uint8Array,
  checkpointLsn: number,
  expect: Expect,
): OutcomeEntry[] {
  const count = reader.u32('outcomeCount')
  expect(reader.zeros(4, 'outcomes'), 'outcomes', 'reserved not zero')
  // Bounded before anything is allocated: a damaged count must not allocate gigabytes.
  expect(count * ENTRY_FIXED_BYTES <= reader.remainingBytes, 'outcomeCount', `${count}`)
  const entries: OutcomeEntry[] = []
  for (let index = 0; index < count; index++) {
    entries.push(readEntry(reader, source, checkpointLsn, expect))
  }
  return entries
}

function readEntry(
  reader: LayoutReader<Uint8Array>,
  source: Uint8Array,
  checkpointLsn: number,
  expect: Expect,
): OutcomeEntry {
  const kind = reader.u8('kind')
  const priority = reader.u8('priority')
  expect(reader.zeros(2, 'outcome'), 'outcome', 'reserved not zero')
  const backoutCount = reader.u32('backoutCount')
  const client = reader.copy(REQUEST_CLIENT_ID_BYTES, 'requestClient')
  const sequence = reader.f64('requestSequence')
  const lsn = reader.f64('lsn')
  const expiryAtMs = reader.f64('expiryAtMs')
  const putLsn = reader.f64('putLsn')
  const queueId = reader.u32('queueId')
  const recordBytes = reader.u32('recordBytes')
  expect(Number.isSafeInteger(sequence) && sequence > 0, 'requestSequence', `${sequence}`)
  expect(isSafeCount(lsn) && lsn <= checkpointLsn, 'lsn', `${lsn} of an outcome`)
  const isGet = kind === OutcomeKind.GET
  if (!isGet) {
    const zero = priority === 0 && backoutCount === 0 && expiryAtMs === 0 && putLsn === 0
    expect(zero && queueId === 0, 'outcome', `kind ${kind} with get fields`)
  }
  const request = { client, sequence }
  const recordLsn = isGet ? putLsn : lsn
  const message =
    recordBytes === 0 ? undefined : readMessage(reader, source, recordBytes, recordLsn, expect)
  let outcome: Outcome
  if (kind === OutcomeKind.PUT) {
    expect(message?.body.length === 0, 'record', 'a put carries its descriptor, no body')
    assert(message !== undefined, 'checkpoint: expect threw')
    outcome = { kind: 'put', lsn, descriptor: message.descriptor }
    return { request, outcome }
  }
  if (kind === OutcomeKind.COMMIT) {
    expect(message === undefined, 'recordBytes', 'a commit carries no record')
    return { request, outcome: { kind: 'commit', lsn } }
  }
  expect(isGet, 'kind', `${kind}`)
  expect(isSafeCount(putLsn) && putLsn < lsn, 'putLsn', `${putLsn} of an outcome`)
  expect(priority < PRIORITY_LEVELS, 'priority', `${priority} of an outcome`)
  expect(Number.isFinite(expiryAtMs) && expiryAtMs >= 0, 'expiryAtMs', 'of an outcome')
  outcome = { kind: 'get', lsn, queueId, putLsn, priority, backoutCount, expiryAtMs }
  return message === undefined ? { request, outcome } : { request, outcome, message }
}

/** The MESSAGE_PUT an entry carries, checked (checksum, LSN, fields) and copied out. */
function readMessage(
  reader: LayoutReader<Uint8Array>,
  source: Uint8Array,
  recordBytes: number,
  lsn: number,
  expect: Expect,
): MessagePutRecord {
  expect(recordBytes <= reader.remainingBytes, 'recordBytes', `${recordBytes} runs past`)
  expect(isSafeCount(lsn) && lsn % 8 === 0, 'lsn', `${lsn} of an outcome's record`)
  const at = reader.claim(recordBytes, 'record')
  const check = readRecordHeader(source, at, recordBytes, lsn)
  expect(check.kind === 'ok', 'record', 'of an outcome does not check')
  assert(check.kind === 'ok', 'checkpoint: expect threw')
  expect(check.header.length === recordBytes, 'recordBytes', 'not the record length')
  expect(check.header.type === RecordType.MESSAGE_PUT, 'record', 'not a MESSAGE_PUT')
  let record
  try {
    record = decodeRecord(source, at, check.header)
  } catch {
    expect(false, 'record', 'of an outcome does not decode')
  }
  assert(record?.type === RecordType.MESSAGE_PUT, 'checkpoint: checked type')
  // A copy: the checkpoint's bytes are not kept.
  return { ...record, body: new Uint8Array(record.body) }
}
