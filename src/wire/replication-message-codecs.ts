/**
 * Codecs of the replica messages (layout table in replication-protocol.ts). Each codec writes and
 * reads its fields in one order; `from` and `to` come from the bound link, not the frame.
 */
import { MAX_CHECKPOINT_CHUNK_BYTES, MAX_REPLICATION_APPEND_BYTES } from '../constants.js'
import type { EpochRun } from '../replication/epoch-history.js'
import {
  MessageType,
  type AppendMessage,
  type TimeoutNowMessage,
  type VoteResponseMessage,
} from '../replication/messages.js'
import {
  booleanField,
  FieldReader,
  FieldWriter,
  HISTORY_MAX_BYTES,
  lsnField,
  u32Field,
  integer,
  type TailField,
} from './replication-fields.js'
import { ReplicationFault } from './replication-frame-error.js'
import {
  LinkMessageType,
  type CheckpointChunkMessage,
  type FrameCodec,
  type FrameOfTag,
  type WireReplicaMessage,
} from './replication-frames.js'

type ReplicaTag = WireReplicaMessage['type']

const EPOCH = u32Field('epoch')
const LAST_EPOCH = u32Field('lastEpoch')
const PREV_EPOCH = u32Field('prevEpoch')
const ENTRIES_EPOCH = u32Field('entriesEpoch')
const END_LSN = lsnField('endLsn')
const PREV_LSN = lsnField('prevLsn')
const COMMIT_LSN = lsnField('commitLsn')
const MATCH_LSN = lsnField('matchLsn')
const VERIFIED_LSN = lsnField('verifiedLsn')
const CHECKPOINT_LSN = lsnField('lsn')
const TOTAL_BYTES = integer('totalBytes', 0, Number.MAX_SAFE_INTEGER)
const CHUNK_OFFSET = integer('offset', 0, Number.MAX_SAFE_INTEGER)
const GRANTED = booleanField('granted')
const TRANSFER = booleanField('transfer')
const SUCCESS = booleanField('success')
const RECORDS: TailField = { name: 'payload', maxBytes: MAX_REPLICATION_APPEND_BYTES }
const CHUNK: TailField = { name: 'chunk', maxBytes: MAX_CHECKPOINT_CHUNK_BYTES }

/** APPEND's fixed fields: three lsn, three epochs, a reserved u32: records start 8-aligned. */
const APPEND_FIXED_BYTES = 3 * 8 + 4 * 4
/** CHECKPOINT_CHUNK's fixed fields before its history: epoch, reserved, lsn, total, offset. */
const CHUNK_FIXED_BYTES = 4 + 4 + 3 * 8

type Report = FieldWriter | FieldReader

/** Cross-field rules of APPEND, checked by the encoder's counting pass and by the decoder. */
function checkAppend(report: Report, message: Omit<AppendMessage, 'from' | 'to'>): void {
  const { prevLsn, endLsn, payload } = message
  if (endLsn < prevLsn) {
    report.fail(ReplicationFault.INCONSISTENT, 'endLsn', `${endLsn} is below prevLsn ${prevLsn}`)
  }
  if (payload.length !== endLsn - prevLsn) {
    const detail = `is ${payload.length} bytes, but [prevLsn, endLsn) spans ${endLsn - prevLsn}`
    report.fail(ReplicationFault.INCONSISTENT, 'payload', detail)
  }
  if (message.entriesEpoch > message.epoch) {
    const detail = `${message.entriesEpoch} is above the sender's epoch ${message.epoch}`
    report.fail(ReplicationFault.INCONSISTENT, 'entriesEpoch', detail)
  }
  if (message.prevEpoch > message.entriesEpoch) {
    const detail = `${message.prevEpoch} is above entriesEpoch ${message.entriesEpoch}`
    report.fail(ReplicationFault.INCONSISTENT, 'prevEpoch', detail)
  }
}

/** Cross-field rules of CHECKPOINT_CHUNK. */
function checkChunk(report: Report, message: Omit<CheckpointChunkMessage, 'from' | 'to'>): void {
  const { totalBytes, offset, chunk } = message
  if (offset + chunk.length > totalBytes) {
    const detail = `ends at ${offset + chunk.length}, past totalBytes ${totalBytes}`
    report.fail(ReplicationFault.INCONSISTENT, 'chunk', detail)
  }
  if (chunk.length === 0 && totalBytes !== 0) {
    report.fail(ReplicationFault.INCONSISTENT, 'chunk', 'is empty in a non-empty checkpoint')
  }
  const late = message.history.find((run: EpochRun) => run.startLsn >= message.lsn)
  if (late !== undefined) {
    const detail = `has a run starting at ${late.startLsn}, not below lsn ${message.lsn}`
    report.fail(ReplicationFault.INCONSISTENT, 'history', detail)
  }
}

function voteResponseCodec<T extends VoteResponseMessage['type']>(
  tag: T,
  code: number,
  name: string,
): FrameCodec<FrameOfTag<T>> {
  return {
    code,
    name,
    sentBy: 'either',
    maxPayloadBytes: 4 + 1,
    write: (writer, message) => {
      // FrameOfTag<T> is a deferred conditional type while T is generic; it is this interface.
      const { epoch, granted } = message as VoteResponseMessage
      writer.u32(EPOCH, epoch)
      writer.boolean(GRANTED, granted)
    },
    read: (reader, { from, to }) => {
      const epoch = reader.u32(EPOCH)
      const granted = reader.boolean(GRANTED)
      const message: VoteResponseMessage = { type: tag, from, to, epoch, granted }
      return message as FrameOfTag<T>
    },
  }
}

const timeoutNowCodec: FrameCodec<TimeoutNowMessage> = {
  code: 0x14,
  name: 'TIMEOUT_NOW',
  sentBy: 'either',
  maxPayloadBytes: 4,
  write: (writer, message) => writer.u32(EPOCH, message.epoch),
  read: (reader, { from, to }) => {
    return { type: MessageType.TIMEOUT_NOW, from, to, epoch: reader.u32(EPOCH) }
  },
}

const appendCodec: FrameCodec<AppendMessage> = {
  code: 0x20,
  name: 'APPEND',
  sentBy: 'either',
  maxPayloadBytes: APPEND_FIXED_BYTES + MAX_REPLICATION_APPEND_BYTES,
  write: (writer, message) => {
    writer.u64(PREV_LSN, message.prevLsn)
    writer.u64(END_LSN, message.endLsn)
    writer.u64(COMMIT_LSN, message.commitLsn)
    writer.u32(EPOCH, message.epoch)
    writer.u32(PREV_EPOCH, message.prevEpoch)
    writer.u32(ENTRIES_EPOCH, message.entriesEpoch)
    writer.zeros(4)
    writer.tail(RECORDS, message.payload)
    if (writer.measuring) checkAppend(writer, message)
  },
  read: (reader, { from, to }) => {
    const prevLsn = reader.u64(PREV_LSN)
    const endLsn = reader.u64(END_LSN)
    const commitLsn = reader.u64(COMMIT_LSN)
    const epoch = reader.u32(EPOCH)
    const prevEpoch = reader.u32(PREV_EPOCH)
    const entriesEpoch = reader.u32(ENTRIES_EPOCH)
    reader.zeros(4, 'reserved')
    const payload = reader.tail(RECORDS)
    const type = MessageType.APPEND
    const message = {
      type,
      from,
      to,
      epoch,
      prevLsn,
      prevEpoch,
      endLsn,
      entriesEpoch,
      commitLsn,
      payload,
    }
    checkAppend(reader, message)
    return message
  },
  tail: (message) => message.payload,
}

const checkpointChunkCodec: FrameCodec<CheckpointChunkMessage> = {
  code: 0x30,
  name: 'CHECKPOINT_CHUNK',
  sentBy: 'either',
  maxPayloadBytes: CHUNK_FIXED_BYTES + HISTORY_MAX_BYTES + MAX_CHECKPOINT_CHUNK_BYTES,
  write: (writer, message) => {
    writer.u32(EPOCH, message.epoch)
    writer.zeros(4)
    writer.u64(CHECKPOINT_LSN, message.lsn)
    writer.u64(TOTAL_BYTES, message.totalBytes)
    writer.u64(CHUNK_OFFSET, message.offset)
    writer.history(message.history)
    writer.tail(CHUNK, message.chunk)
    if (writer.measuring) checkChunk(writer, message)
  },
  read: (reader, { from, to }) => {
    const epoch = reader.u32(EPOCH)
    reader.zeros(4, 'reserved')
    const lsn = reader.u64(CHECKPOINT_LSN)
    const totalBytes = reader.u64(TOTAL_BYTES)
    const offset = reader.u64(CHUNK_OFFSET)
    const history = reader.history()
    const chunk = reader.tail(CHUNK)
    const type = LinkMessageType.CHECKPOINT_CHUNK
    const message = { type, from, to, epoch, lsn, history, totalBytes, offset, chunk }
    checkChunk(reader, message)
    return message
  },
  tail: (message) => message.chunk,
}

export const replicaCodecs: { readonly [T in ReplicaTag]: FrameCodec<FrameOfTag<T>> } = {
  [MessageType.PRE_VOTE]: {
    code: 0x10,
    name: 'PRE_VOTE',
    sentBy: 'either',
    maxPayloadBytes: 4 + 4 + 8,
    write: (writer, message) => {
      writer.u32(EPOCH, message.epoch)
      writer.u32(LAST_EPOCH, message.lastEpoch)
      writer.u64(END_LSN, message.endLsn)
    },
    read: (reader, { from, to }) => ({
      type: MessageType.PRE_VOTE,
      from,
      to,
      epoch: reader.u32(EPOCH),
      lastEpoch: reader.u32(LAST_EPOCH),
      endLsn: reader.u64(END_LSN),
    }),
  },
  [MessageType.PRE_VOTE_RESPONSE]: voteResponseCodec(
    MessageType.PRE_VOTE_RESPONSE,
    0x11,
    'PRE_VOTE_RESPONSE',
  ),
  [MessageType.VOTE]: {
    code: 0x12,
    name: 'VOTE',
    sentBy: 'either',
    maxPayloadBytes: 4 + 4 + 8 + 1,
    write: (writer, message) => {
      writer.u32(EPOCH, message.epoch)
      writer.u32(LAST_EPOCH, message.lastEpoch)
      writer.u64(END_LSN, message.endLsn)
      writer.boolean(TRANSFER, message.transfer)
    },
    read: (reader, { from, to }) => ({
      type: MessageType.VOTE,
      from,
      to,
      epoch: reader.u32(EPOCH),
      lastEpoch: reader.u32(LAST_EPOCH),
      endLsn: reader.u64(END_LSN),
      transfer: reader.boolean(TRANSFER),
    }),
  },
  [MessageType.VOTE_RESPONSE]: voteResponseCodec(MessageType.VOTE_RESPONSE, 0x13, 'VOTE_RESPONSE'),
  [MessageType.TIMEOUT_NOW]: timeoutNowCodec,
  [MessageType.APPEND]: appendCodec,
  [MessageType.APPEND_RESPONSE]: {
    code: 0x21,
    name: 'APPEND_RESPONSE',
    sentBy: 'either',
    maxPayloadBytes: 4 + 1 + 4 * 8 + HISTORY_MAX_BYTES,
    write: (writer, message) => {
      writer.u32(EPOCH, message.epoch)
      writer.boolean(SUCCESS, message.success)
      writer.u64(MATCH_LSN, message.matchLsn)
      writer.u64(VERIFIED_LSN, message.verifiedLsn)
      writer.u64(END_LSN, message.endLsn)
      writer.u64(COMMIT_LSN, message.commitLsn)
      writer.history(message.history)
    },
    read: (reader, { from, to }) => ({
      type: MessageType.APPEND_RESPONSE,
      from,
      to,
      epoch: reader.u32(EPOCH),
      success: reader.boolean(SUCCESS),
      matchLsn: reader.u64(MATCH_LSN),
      verifiedLsn: reader.u64(VERIFIED_LSN),
      endLsn: reader.u64(END_LSN),
      commitLsn: reader.u64(COMMIT_LSN),
      history: reader.history(),
    }),
  },
  [MessageType.HEARTBEAT]: {
    code: 0x22,
    name: 'HEARTBEAT',
    sentBy: 'either',
    maxPayloadBytes: 4 + 8,
    write: (writer, message) => {
      writer.u32(EPOCH, message.epoch)
      writer.u64(COMMIT_LSN, message.commitLsn)
    },
    read: (reader, { from, to }) => ({
      type: MessageType.HEARTBEAT,
      from,
      to,
      epoch: reader.u32(EPOCH),
      commitLsn: reader.u64(COMMIT_LSN),
    }),
  },
  [MessageType.HEARTBEAT_RESPONSE]: {
    code: 0x23,
    name: 'HEARTBEAT_RESPONSE',
    sentBy: 'either',
    maxPayloadBytes: 4 + 8 + 8,
    write: (writer, message) => {
      writer.u32(EPOCH, message.epoch)
      writer.u64(MATCH_LSN, message.matchLsn)
      writer.u64(VERIFIED_LSN, message.verifiedLsn)
    },
    read: (reader, { from, to }) => ({
      type: MessageType.HEARTBEAT_RESPONSE,
      from,
      to,
      epoch: reader.u32(EPOCH),
      matchLsn: reader.u64(MATCH_LSN),
      verifiedLsn: reader.u64(VERIFIED_LSN),
    }),
  },
  [LinkMessageType.CHECKPOINT_CHUNK]: checkpointChunkCodec,
  [MessageType.CHECKPOINT_RESPONSE]: {
    code: 0x31,
    name: 'CHECKPOINT_RESPONSE',
    sentBy: 'either',
    maxPayloadBytes: 4 + 8,
    write: (writer, message) => {
      writer.u32(EPOCH, message.epoch)
      writer.u64(MATCH_LSN, message.matchLsn)
    },
    read: (reader, { from, to }) => ({
      type: MessageType.CHECKPOINT_RESPONSE,
      from,
      to,
      epoch: reader.u32(EPOCH),
      matchLsn: reader.u64(MATCH_LSN),
    }),
  },
}
