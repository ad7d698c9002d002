/**
 * PUT records of recently put persistent messages, by put LSN, so that a message gotten soon
 * after its put (the common case for a queue that keeps up) never touches the disk. Bounded in
 * bytes and evicted oldest-first. Entries leave as soon as their message is removed.
 *
 * Eviction order is kept in a FIFO of LSNs beside the Map, not taken from Map.keys(): V8's
 * ordered hash table leaves deleted entries as holes until it rehashes, so keys().next() after
 * many deletes at the front walks every hole — measured, that made each put cost ~10 µs more.
 * The FIFO may hold LSNs already deleted; they are skipped on eviction and dropped by compaction.
 */
import { assert } from '../assert.js'
import { BODY_CACHE_ENTRY_OVERHEAD_BYTES } from '../constants.js'
import type { MessagePutRecord } from '../actors/journal/record-types.js'

export class BodyCache {
  private readonly entries = new Map<number, MessagePutRecord>()
  private heldBytes = 0
  /** Put LSNs in insertion order, from `orderHead` to `orderTail`. */
  private order = new Float64Array(1024)
  private orderHead = 0
  private orderTail = 0

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

  /** The record's body must be the engine's own copy (a live put), never a reader's view. */
  add(putLsn: number, record: MessagePutRecord): void {
    const cost = costOf(record)
    if (cost > this.capacityBytes) return
    assert(!this.entries.has(putLsn), 'body cache: one entry per put LSN')
    while (this.heldBytes + cost > this.capacityBytes) this.evictOldest()
    this.entries.set(putLsn, record)
    this.heldBytes += cost
    this.pushOrder(putLsn)
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
    this.orderHead = 0
    this.orderTail = 0
  }

  private evictOldest(): void {
    while (this.orderHead < this.orderTail) {
      const putLsn = this.order[this.orderHead++]!
      if (this.entries.has(putLsn)) {
        this.delete(putLsn)
        return
      }
    }
    assert(false, 'body cache: over capacity means not empty')
  }

  private pushOrder(putLsn: number): void {
    if (this.orderTail === this.order.length) this.compactOrder()
    this.order[this.orderTail++] = putLsn
  }

  /** Drops LSNs no longer cached and slides the rest down; grows only if most are live. */
  private compactOrder(): void {
    let kept = 0
    for (let index = this.orderHead; index < this.orderTail; index++) {
      const putLsn = this.order[index]!
      if (this.entries.has(putLsn)) this.order[kept++] = putLsn
    }
    this.orderHead = 0
    this.orderTail = kept
    if (kept * 2 > this.order.length) {
      const grown = new Float64Array(this.order.length * 2)
      grown.set(this.order.subarray(0, kept))
      this.order = grown
    }
  }
}

function costOf(record: MessagePutRecord): number {
  return record.body.length + BODY_CACHE_ENTRY_OVERHEAD_BYTES
}
