/**
 * PUT records of recently put persistent messages, by put LSN, so that a message gotten soon
 * after its put (the common case for a queue that keeps up) never touches the disk. Bounded in
 * bytes and evicted oldest-first: Map iteration order is insertion order, so the first key is the
 * oldest. Entries leave as soon as their message is removed.
 */
import { assert } from '../assert.js'
import { BODY_CACHE_ENTRY_OVERHEAD_BYTES } from '../constants.js'
import type { MessagePutRecord } from '../journal/record-types.js'

export class BodyCache {
  private readonly entries = new Map<number, MessagePutRecord>()
  private heldBytes = 0

  constructor(readonly capacityBytes: number) {
    assert(Number.isInteger(capacityBytes) && capacityBytes >= 0, 'body cache: capacity >= 0')
  }

  /** Bytes charged for the entries held now. */
  get bytes(): number {
    return this.heldBytes
  }

  get size(): number {
    return this.entries.size
  }

  add(putLsn: number, record: MessagePutRecord): void {
    const cost = costOf(record)
    if (cost > this.capacityBytes) return
    assert(!this.entries.has(putLsn), 'body cache: one entry per put LSN')
    while (this.heldBytes + cost > this.capacityBytes) this.evictOldest()
    this.entries.set(putLsn, record)
    this.heldBytes += cost
  }

  get(putLsn: number): MessagePutRecord | undefined {
    return this.entries.get(putLsn)
  }

  delete(putLsn: number): void {
    const record = this.entries.get(putLsn)
    if (record === undefined) return
    this.entries.delete(putLsn)
    this.heldBytes -= costOf(record)
    assert(this.heldBytes >= 0, 'body cache: byte count stays non-negative')
  }

  clear(): void {
    this.entries.clear()
    this.heldBytes = 0
  }

  private evictOldest(): void {
    const oldest = this.entries.keys().next()
    assert(oldest.done !== true, 'body cache: over capacity means not empty')
    this.delete(oldest.value)
  }
}

function costOf(record: MessagePutRecord): number {
  return record.body.length + BODY_CACHE_ENTRY_OVERHEAD_BYTES
}
