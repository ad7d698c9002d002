/**
 * Recent outcomes by request identity: what lets a client send a put or a destructive get again
 * after a failover (or a crash and restart) and be answered with what the first one did, instead
 * of having it done twice. An identity is the client's random id (kept across its reconnects)
 * and the request's sequence number (types.ts RequestIdentity).
 *
 * Filled by record-apply.ts from the request identity in MESSAGE_PUT and MESSAGE_GET records
 * (version 3, journal-record.ts), so the live path, replay at restart and a hot standby's apply
 * of the primary's records (engine.apply) all build the same table: a new primary knows every
 * outcome its log holds. Non-persistent puts, which write no record, are entered by the put
 * itself (message-put.ts): the same node then recognises them, no other node does (the message
 * itself does not survive either).
 *
 * Bounded (OUTCOME_TABLE_MAX_ENTRIES): insertion order is age, the oldest is forgotten first. A
 * request resent after its outcome was forgotten is done again; the bound is sized so that this
 * needs a client to stay away for many seconds of another clients' full load (constants.ts).
 *
 * A get's outcome also keeps the message it took (its PUT record: descriptor and body), so that
 * a resend is answered even once the log segment holding that record is retired (checkpoints
 * move the floor past consumed messages; compaction retires old segments). Kept bodies are
 * bounded in bytes (OUTCOME_TABLE_MAX_MESSAGE_BYTES), oldest dropped first; a get whose message
 * was dropped falls back to reading the log, which fails 2102 once the record is retired.
 * Outcomes and kept messages are part of every checkpoint (snapshot.ts), so a restart, a member
 * that installed a checkpoint, or a new primary still knows them.
 */
import { Buffer } from 'node:buffer'
import { assert } from '../assert.js'
import {
  OUTCOME_TABLE_MAX_ENTRIES,
  OUTCOME_TABLE_MAX_MESSAGE_BYTES,
  REQUEST_CLIENT_ID_BYTES,
} from '../constants.js'
import type {
  MessagePutRecord,
  RequestIdentity,
  StoredDescriptor,
} from '../actors/journal/record-types.js'

/** A put: its descriptor as stored; `lsn` its PUT record's (-1: non-persistent, no record). */
export interface PutOutcome {
  readonly kind: 'put'
  readonly lsn: number
  readonly descriptor: StoredDescriptor
}

/**
 * A destructive get: which message it took (`putLsn`, the body is read back from the log) and
 * the per-delivery fields the log's PUT record does not have as they were at the get.
 */
export interface GetOutcome {
  readonly kind: 'get'
  /** The GET record's LSN: the outcome is final once it is durable. */
  readonly lsn: number
  readonly queueId: number
  readonly putLsn: number
  readonly priority: number
  readonly backoutCount: number
  /** Absolute expiry, 0 for never (the reply gives the time left, as at the first get). */
  readonly expiryAtMs: number
}

/**
 * A commit of a unit of work: `lsn` its UOW_COMMIT record's (-1: the unit held only
 * non-persistent work, no record). A backout is not entered: a resent commit whose identity is
 * unknown was backed out (the unit died with its connection), and says so with 2003.
 */
export interface CommitOutcome {
  readonly kind: 'commit'
  readonly lsn: number
}

export type Outcome = PutOutcome | GetOutcome | CommitOutcome

/** An outcome with its identity, oldest first: what a checkpoint stores (snapshot.ts). */
export interface OutcomeEntry {
  readonly request: RequestIdentity
  readonly outcome: Outcome
  /** A get's message, if kept (see the file comment). */
  readonly message?: MessagePutRecord
}

/** Bytes a kept message is charged: its body and a fixed overhead for descriptor and entry. */
const KEPT_MESSAGE_OVERHEAD_BYTES = 256
const costOf = (message: MessagePutRecord): number =>
  message.body.length + KEPT_MESSAGE_OVERHEAD_BYTES

/** One string per identity: the client id's bytes as latin1, then the sequence in decimal. */
export function outcomeKey(request: RequestIdentity): string {
  const { client } = request
  assert(client.length === REQUEST_CLIENT_ID_BYTES, 'outcome table: a client id is 16 bytes')
  const id = Buffer.from(client.buffer, client.byteOffset, client.byteLength).toString('latin1')
  return `${id}${request.sequence}`
}

interface Entry {
  readonly request: RequestIdentity
  readonly outcome: Outcome
}

export class OutcomeTable {
  private readonly entries = new Map<string, Entry>()
  /** Kept messages of get outcomes by key, insertion order is age. */
  private readonly messages = new Map<string, MessagePutRecord>()
  private messageBytes = 0

  constructor(
    readonly maxEntries: number = OUTCOME_TABLE_MAX_ENTRIES,
    readonly maxMessageBytes: number = OUTCOME_TABLE_MAX_MESSAGE_BYTES,
  ) {
    assert(Number.isInteger(maxEntries) && maxEntries > 0, 'outcome table: a positive bound')
    assert(Number.isInteger(maxMessageBytes) && maxMessageBytes >= 0, 'outcome table: bytes')
  }

  /** Bytes charged for the messages kept now. */
  get keptMessageBytes(): number {
    return this.messageBytes
  }

  get size(): number {
    return this.entries.size
  }

  find(request: RequestIdentity): Outcome | undefined {
    return this.entries.get(outcomeKey(request))?.outcome
  }

  /** The message a get outcome keeps, if it keeps one. */
  messageOf(request: RequestIdentity): MessagePutRecord | undefined {
    return this.messages.get(outcomeKey(request))
  }

  /** Enters (or replaces) the outcome of `request`, forgetting the oldest beyond the bound. */
  record(request: RequestIdentity, outcome: Outcome): void {
    const key = outcomeKey(request)
    // Deleted first so that a replaced entry counts as new in insertion order.
    this.forget(key)
    this.entries.set(key, { request, outcome })
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next()
      assert(oldest.done !== true, 'outcome table: over the bound means not empty')
      this.forget(oldest.value)
    }
  }

  /**
   * Keeps `message` (the PUT record of the message a get took; never a reader's view: bodies
   * are kept as they are) with the get outcome of `request`. `evict`: drop the oldest kept
   * messages to make room (a new get); otherwise keep it only if there is room already.
   * Returns whether it is kept.
   */
  keepMessage(request: RequestIdentity, message: MessagePutRecord, evict: boolean): boolean {
    const key = outcomeKey(request)
    assert(this.entries.get(key)?.outcome.kind === 'get', 'outcome table: a get keeps a message')
    const cost = costOf(message)
    if (cost > this.maxMessageBytes || this.messages.has(key)) return this.messages.has(key)
    if (!evict && this.messageBytes + cost > this.maxMessageBytes) return false
    while (this.messageBytes + cost > this.maxMessageBytes) {
      const oldest = this.messages.keys().next()
      assert(oldest.done !== true, 'outcome table: kept bytes mean kept messages')
      this.dropMessage(oldest.value)
    }
    this.messages.set(key, message)
    this.messageBytes += cost
    return true
  }

  /** Every entry, oldest first. */
  *list(): IterableIterator<OutcomeEntry> {
    for (const [key, entry] of this.entries) {
      const message = this.messages.get(key)
      yield message === undefined ? entry : { ...entry, message }
    }
  }

  clear(): void {
    this.entries.clear()
    this.messages.clear()
    this.messageBytes = 0
  }

  private forget(key: string): void {
    this.entries.delete(key)
    this.dropMessage(key)
  }

  private dropMessage(key: string): void {
    const message = this.messages.get(key)
    if (message === undefined) return
    this.messages.delete(key)
    this.messageBytes -= costOf(message)
    assert(this.messageBytes >= 0, 'outcome table: kept bytes stay non-negative')
  }
}
