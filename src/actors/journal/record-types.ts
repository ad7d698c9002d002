/**
 * Journal records as the queue engine produces and replays them. The byte layout of each is in
 * journal-record.ts beside it; this file is only the shape. Every persistent change is one record.
 *
 * Identity: a record's LSN is its byte position in the log. A message is known on disk by the LSN
 * of its PUT record (`putLsn`); a unit of work by the LSN of its first record (`uowId`), which is
 * unique for the life of the log and so never collides with a unit of work cut off by a crash.
 * uowId 0 means "not in a unit of work".
 */
export type DeliverySequence = 'PRIORITY' | 'FIFO'

/** Local queue attributes (DEFINE QLOCAL). Defaults are MQ's, see DEFAULT_QUEUE_ATTRIBUTES. */
export interface QueueAttributes {
  readonly name: string
  readonly description: string
  readonly maxDepth: number
  readonly maxMessageLength: number
  /** DEFPSIST: persistence of a message put with persistence "as queue". */
  readonly defaultPersistent: boolean
  /** DEFPRTY: priority of a message put with priority "as queue" (-1). */
  readonly defaultPriority: number
  readonly putEnabled: boolean
  readonly getEnabled: boolean
  readonly deliverySequence: DeliverySequence
  /**
   * BOTHRESH: a message backed out this many times is moved to BOQNAME (or the dead-letter
   * queue) by the queue manager; 0 never. Absent in a version-1 record: 0.
   */
  readonly backoutThreshold?: number
  /** BOQNAME: where such a message goes; '' means the queue manager's dead-letter queue. */
  readonly backoutRequeueQueue?: string
  /**
   * Present only for an alias queue (DEFINE QALIAS TARGET(q)): the queue its puts and gets
   * resolve to. An alias has a name, a description and PUT/GET; its other attributes are unused.
   */
  readonly targetQueue?: string
}

/** Queue-manager attributes (ALTER QMGR), written whole in a QMGR_ALTER record. */
export interface QueueManagerAttributes {
  /** DEADQ: the dead-letter queue's name, '' for none. */
  readonly deadLetterQueue: string
  readonly description: string
}

export const RecordType = {
  QUEUE_DEFINE: 1,
  QUEUE_DELETE: 2,
  QUEUE_CLEAR: 3,
  MESSAGE_PUT: 4,
  MESSAGE_GET: 5,
  UOW_COMMIT: 6,
  UOW_BACKOUT: 7,
  SEGMENT_SEAL: 8,
  /** Copy-forward compaction: a live message rewritten at the log end (src/compaction). */
  MESSAGE_MOVE: 9,
  /** First record of a primary's epoch (replication): records of earlier epochs commit with it. */
  EPOCH_START: 10,
  QMGR_ALTER: 11,
} as const
export type RecordType = (typeof RecordType)[keyof typeof RecordType]

/**
 * Who asked for a put or a get, so that the same request sent again after a failover is known
 * (src/queue/outcome-table.ts): the client's random id, kept across its reconnects, and the
 * request's sequence number in that client. Recorded only for persistent puts and destructive
 * gets outside a unit of work; a record without one is a version-1 record.
 */
export interface RequestIdentity {
  /** REQUEST_CLIENT_ID_BYTES (16) random bytes. */
  readonly client: Uint8Array
  /** 1..2^53-1, increasing per client. */
  readonly sequence: number
}

/** The descriptor as stored in a PUT record (absolute times, so replay needs no clock). */
export interface StoredDescriptor {
  readonly msgId: Uint8Array
  readonly correlId: Uint8Array
  readonly persistent: boolean
  readonly priority: number
  /** Expiry interval as put, tenths of a second, -1 unlimited. */
  readonly expiry: number
  readonly putTimeMs: number
  readonly backoutCount: number
  readonly format: string
  readonly replyToQueue: string
  readonly replyToQueueManager: string
}

/** DEFINE and ALTER both write the full attribute set: replay is an upsert by queueId. */
export interface QueueDefineRecord {
  readonly type: typeof RecordType.QUEUE_DEFINE
  readonly queueId: number
  readonly attributes: QueueAttributes
}
export interface QueueDeleteRecord {
  readonly type: typeof RecordType.QUEUE_DELETE
  readonly queueId: number
}
export interface QueueClearRecord {
  readonly type: typeof RecordType.QUEUE_CLEAR
  readonly queueId: number
}
export interface MessagePutRecord {
  readonly type: typeof RecordType.MESSAGE_PUT
  readonly queueId: number
  readonly uowId: number
  readonly descriptor: StoredDescriptor
  readonly body: Uint8Array
  /** The request that put it (version 2 of the record); only outside a unit of work. */
  readonly request?: RequestIdentity
}
export interface MessageGetRecord {
  readonly type: typeof RecordType.MESSAGE_GET
  readonly queueId: number
  readonly uowId: number
  readonly putLsn: number
  /** The request that got it (version 2 of the record); only outside a unit of work. */
  readonly request?: RequestIdentity
}
export interface UowCommitRecord {
  readonly type: typeof RecordType.UOW_COMMIT
  readonly uowId: number
  /** The COMMIT request that ended the unit (version 3 of the record), if it named one. */
  readonly request?: RequestIdentity
}
export interface UowBackoutRecord {
  readonly type: typeof RecordType.UOW_BACKOUT
  readonly uowId: number
}
/**
 * Relocates a committed message to this record's LSN so that the segment holding its PUT can be
 * retired: the message keeps its place in delivery order, its identifiers, priority, expiry and
 * backout count, but is known from now on by this record's LSN (later GET records name it). The
 * record carries the whole stored message, so it serves reads exactly as a PUT does.
 */
export interface MessageMoveRecord {
  readonly type: typeof RecordType.MESSAGE_MOVE
  readonly queueId: number
  /** The LSN the message was known by until this record (its PUT's, or an earlier MOVE's). */
  readonly fromPutLsn: number
  readonly descriptor: StoredDescriptor
  readonly body: Uint8Array
}
/** ALTER QMGR (also the queue manager's creation): the full attribute set, an upsert. */
export interface QueueManagerAlterRecord {
  readonly type: typeof RecordType.QMGR_ALTER
  readonly attributes: QueueManagerAttributes
}
/** Ends a segment: the next record is at `nextLsn`, the first byte of the next segment. */
export interface SegmentSealRecord {
  readonly type: typeof RecordType.SEGMENT_SEAL
  readonly nextLsn: number
}

/**
 * Written by a new primary before it serves (Raft's no-op entry): once it is committed, every
 * record before it is committed too. The header's epoch is the new epoch.
 */
export interface EpochStartRecord {
  readonly type: typeof RecordType.EPOCH_START
  /** Epoch of the last record before this one (0 in an empty log): the log's epoch history. */
  readonly previousEpoch: number
}

export type JournalRecord =
  | QueueDefineRecord
  | QueueDeleteRecord
  | QueueClearRecord
  | MessagePutRecord
  | MessageGetRecord
  | UowCommitRecord
  | UowBackoutRecord
  | SegmentSealRecord
  | MessageMoveRecord
  | QueueManagerAlterRecord
  | EpochStartRecord

/** Header fields every record carries besides its payload. */
export interface RecordHeader {
  /** Total bytes including header and padding; a multiple of 8. */
  readonly length: number
  readonly lsn: number
  /** LSN of the first record of the write batch (group commit) this record was written in. */
  readonly batchLsn: number
  readonly epoch: number
  readonly type: RecordType
}
