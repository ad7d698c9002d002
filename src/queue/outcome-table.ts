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
 */
import { Buffer } from 'node:buffer'
import { assert } from '../assert.js'
import { OUTCOME_TABLE_MAX_ENTRIES, REQUEST_CLIENT_ID_BYTES } from '../constants.js'
import type { RequestIdentity, StoredDescriptor } from '../actors/journal/record-types.js'

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

export type Outcome = PutOutcome | GetOutcome

/** One string per identity: the client id's bytes as latin1, then the sequence in decimal. */
export function outcomeKey(request: RequestIdentity): string {
  const { client } = request
  assert(client.length === REQUEST_CLIENT_ID_BYTES, 'outcome table: a client id is 16 bytes')
  const id = Buffer.from(client.buffer, client.byteOffset, client.byteLength).toString('latin1')
  return `${id}${request.sequence}`
}

export class OutcomeTable {
  private readonly entries = new Map<string, Outcome>()

  constructor(readonly maxEntries: number = OUTCOME_TABLE_MAX_ENTRIES) {
    assert(Number.isInteger(maxEntries) && maxEntries > 0, 'outcome table: a positive bound')
  }

  get size(): number {
    return this.entries.size
  }

  find(request: RequestIdentity): Outcome | undefined {
    return this.entries.get(outcomeKey(request))
  }

  /** Enters (or replaces) the outcome of `request`, forgetting the oldest beyond the bound. */
  record(request: RequestIdentity, outcome: Outcome): void {
    const key = outcomeKey(request)
    // Deleted first so that a replaced entry counts as new in insertion order.
    this.entries.delete(key)
    this.entries.set(key, outcome)
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next()
      assert(oldest.done !== true, 'outcome table: over the bound means not empty')
      this.entries.delete(oldest.value)
    }
  }

  clear(): void {
    this.entries.clear()
  }
}
