/**
 * Shared by the replication wire tests: a frame of every type (the golden set), and helpers to
 * compare decoded frames and to feed a parser piece by piece.
 */
import { encodeRecord, finalizeRecord } from '../../src/actors/journal/journal-record.js'
import { RecordType } from '../../src/actors/journal/record-types.js'
import { MessageType } from '../../src/replication/messages.js'
import { ReplicationFrameParser } from '../../src/wire/replication-frame-parser.js'
import {
  AuthMechanism,
  LinkMessageType,
  RefusalReason,
  type LinkEnd,
  type LinkNames,
  type ReplicationFrame,
  type ReplicationFrameError,
} from '../../src/wire/replication-protocol.js'

/** The link every replica golden frame travels on: written by node-b, read by node-a. */
export const NAMES: LinkNames = { from: 'node-b', to: 'node-a' }
const envelope = { from: NAMES.from, to: NAMES.to }

export interface GoldenCase {
  readonly name: string
  readonly from: LinkEnd
  readonly frame: ReplicationFrame
}

/** Two real journal records, an EPOCH_START and a UOW_COMMIT at 8192 and 8240, in epoch 7. */
export function journalRecords(): Uint8Array {
  const bytes = new Uint8Array(96)
  const first = encodeRecord(bytes, 0, { type: RecordType.EPOCH_START, previousEpoch: 6 }, 8192, 7)
  encodeRecord(bytes, first, { type: RecordType.UOW_COMMIT, uowId: 4096 }, 8192 + first, 7)
  finalizeRecord(bytes, 0, 8192)
  finalizeRecord(bytes, first, 8192)
  return bytes
}

const counting = (length: number, start: number): Uint8Array =>
  Uint8Array.from({ length }, (_, index) => (start + index) & 0xff)

export const goldenCases: readonly GoldenCase[] = [
  {
    name: 'hello',
    from: 'dialer',
    frame: {
      type: LinkMessageType.HELLO,
      minVersion: 1,
      maxVersion: 1,
      queueManager: 'QM1',
      group: 'HAGROUP1',
      fromNode: 'node-b',
      toNode: 'node-a',
      authMechanism: AuthMechanism.NONE,
      auth: new Uint8Array(0),
    },
  },
  {
    name: 'hello-ok',
    from: 'acceptor',
    frame: {
      type: LinkMessageType.HELLO_OK,
      version: 1,
      node: 'node-a',
      authMechanism: AuthMechanism.NONE,
      auth: new Uint8Array(0),
    },
  },
  {
    name: 'hello-refused-wrong-group',
    from: 'acceptor',
    frame: {
      type: LinkMessageType.HELLO_REFUSED,
      reason: RefusalReason.WRONG_GROUP,
      message: 'group HAGROUP2 asked for, this node is in HAGROUP1',
    },
  },
  {
    name: 'pre-vote',
    from: 'dialer',
    frame: { type: MessageType.PRE_VOTE, ...envelope, epoch: 8, lastEpoch: 7, endLsn: 8288 },
  },
  {
    name: 'pre-vote-response',
    from: 'dialer',
    frame: { type: MessageType.PRE_VOTE_RESPONSE, ...envelope, epoch: 8, granted: true },
  },
  {
    name: 'vote-transfer',
    from: 'dialer',
    frame: {
      type: MessageType.VOTE,
      ...envelope,
      epoch: 8,
      lastEpoch: 7,
      endLsn: 8288,
      transfer: true,
    },
  },
  {
    name: 'vote-response-refused',
    from: 'dialer',
    frame: { type: MessageType.VOTE_RESPONSE, ...envelope, epoch: 9, granted: false },
  },
  {
    name: 'timeout-now',
    from: 'dialer',
    frame: { type: MessageType.TIMEOUT_NOW, ...envelope, epoch: 7 },
  },
  {
    name: 'append-records',
    from: 'dialer',
    frame: {
      type: MessageType.APPEND,
      ...envelope,
      epoch: 7,
      prevLsn: 8192,
      prevEpoch: 6,
      endLsn: 8288,
      entriesEpoch: 7,
      commitLsn: 8192,
      payload: journalRecords(),
    },
  },
  {
    name: 'append-empty',
    from: 'dialer',
    frame: {
      type: MessageType.APPEND,
      ...envelope,
      epoch: 7,
      prevLsn: 8288,
      prevEpoch: 7,
      endLsn: 8288,
      entriesEpoch: 7,
      commitLsn: 8288,
      payload: new Uint8Array(0),
    },
  },
  {
    name: 'append-response-refused',
    from: 'dialer',
    frame: {
      type: MessageType.APPEND_RESPONSE,
      ...envelope,
      epoch: 7,
      success: false,
      matchLsn: 4096,
      verifiedLsn: 4096,
      endLsn: 9000 - (9000 % 8),
      commitLsn: 4096,
      history: [
        { epoch: 5, startLsn: 64 },
        { epoch: 6, startLsn: 8000 },
      ],
    },
  },
  {
    name: 'heartbeat',
    from: 'dialer',
    frame: { type: MessageType.HEARTBEAT, ...envelope, epoch: 7, commitLsn: 2 ** 40 },
  },
  {
    name: 'heartbeat-response',
    from: 'dialer',
    frame: {
      type: MessageType.HEARTBEAT_RESPONSE,
      ...envelope,
      epoch: 7,
      matchLsn: 8240,
      verifiedLsn: 8288,
    },
  },
  {
    name: 'checkpoint-chunk',
    from: 'dialer',
    frame: {
      type: LinkMessageType.CHECKPOINT_CHUNK,
      ...envelope,
      epoch: 7,
      lsn: 1_048_576,
      history: [
        { epoch: 3, startLsn: 64 },
        { epoch: 7, startLsn: 524_288 },
      ],
      totalBytes: 100,
      offset: 60,
      chunk: counting(40, 0xc0),
    },
  },
  {
    name: 'checkpoint-response',
    from: 'dialer',
    frame: { type: MessageType.CHECKPOINT_RESPONSE, ...envelope, epoch: 7, matchLsn: 1_048_576 },
  },
  {
    name: 'hello-proof',
    from: 'dialer',
    frame: {
      type: LinkMessageType.HELLO_PROOF,
      proof: Uint8Array.from({ length: 32 }, (_, index) => index),
    },
  },
]

/** Typed arrays become hex strings, so Buffer views and Uint8Arrays compare by content. */
export function comparable(value: unknown): unknown {
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString('hex')}`
  if (Array.isArray(value)) return value.map(comparable)
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, comparable(field)]))
}

export function isHandshakeTag(type: string): boolean {
  return type === 'hello' || type === 'helloOk' || type === 'helloRefused' || type === 'helloProof'
}

/** A parser in the phase a frame belongs to: unbound for handshakes, bound to NAMES otherwise. */
export function parserFor(golden: {
  from: LinkEnd
  frame: ReplicationFrame
}): ReplicationFrameParser {
  const bound = !isHandshakeTag(golden.frame.type)
  return new ReplicationFrameParser({ from: golden.from, names: bound ? NAMES : undefined })
}

export interface ParseRun {
  readonly results: (ReplicationFrame | ReplicationFrameError)[]
  readonly parser: ReplicationFrameParser
  readonly largestBufferedBytes: number
}

/** Pushes the pieces in order, draining after each push. */
export function parsePieces(parser: ReplicationFrameParser, pieces: readonly Buffer[]): ParseRun {
  const results: (ReplicationFrame | ReplicationFrameError)[] = []
  let largestBufferedBytes = 0
  for (const piece of pieces) {
    parser.push(piece)
    largestBufferedBytes = Math.max(largestBufferedBytes, parser.bufferedBytes)
    for (let result = parser.next(); result !== undefined; result = parser.next()) {
      results.push(result)
    }
  }
  return { results, parser, largestBufferedBytes }
}

/** Cuts `bytes` at the given fractions of its length (sorted, duplicates allowed). */
export function cutAt(bytes: Buffer, fractions: readonly number[]): Buffer[] {
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
