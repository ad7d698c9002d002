/**
 * A hash index from a 32-bit identifier hash (MsgId or CorrelId, message-id.ts) to the slots of
 * a message table, so get-by-MsgId and get-by-CorrelId look at the few messages with that hash
 * instead of scanning the queue in delivery order (measured: bench/matching.bench.ts).
 *
 * Typed arrays, no object per message, like the table it indexes: one bucket head per table slot
 * (the table's capacity is a power of two, so a bucket is `hash & mask`) and a doubly linked
 * chain through two per-slot columns, so removal is O(1) however many messages share a hash.
 * 12 bytes per slot per index. A chain holds every slot whose hash falls in the bucket; callers
 * compare the full hash, and then the full identifier, themselves.
 *
 * Hashes equal to `skippedHash` (the hash of the all-zero MQMI_NONE/MQCI_NONE identifier) are
 * not indexed: nearly every message has CorrelId none, and nobody matches on none (none matches
 * anything), so indexing it would make one chain as long as the queue. A lookup for that hash
 * must fall back to a scan (isIndexed tells).
 */
import { assert } from '../assert.js'

const NONE = -1

export class IdIndex {
  private heads: Int32Array
  private next: Int32Array
  private previous: Int32Array
  private mask: number

  constructor(
    capacity: number,
    private readonly skippedHash: number,
  ) {
    assert(capacity > 0 && (capacity & (capacity - 1)) === 0, 'id index: power-of-two capacity')
    this.heads = new Int32Array(capacity).fill(NONE)
    this.next = new Int32Array(capacity).fill(NONE)
    this.previous = new Int32Array(capacity).fill(NONE)
    this.mask = capacity - 1
  }

  isIndexed(hash: number): boolean {
    return hash !== this.skippedHash
  }

  add(slot: number, hash: number): void {
    if (!this.isIndexed(hash)) return
    const bucket = hash & this.mask
    const head = this.heads[bucket]!
    this.next[slot] = head
    this.previous[slot] = NONE
    if (head !== NONE) this.previous[head] = slot
    this.heads[bucket] = slot
  }

  delete(slot: number, hash: number): void {
    if (!this.isIndexed(hash)) return
    const next = this.next[slot]!
    const previous = this.previous[slot]!
    if (previous === NONE) {
      assert(this.heads[hash & this.mask] === slot, 'id index: a chain head is its bucket head')
      this.heads[hash & this.mask] = next
    } else {
      this.next[previous] = next
    }
    if (next !== NONE) this.previous[next] = previous
    this.next[slot] = NONE
    this.previous[slot] = NONE
  }

  /** Slots whose hash is `hash` (the chain also holds other hashes of the bucket: filtered). */
  candidates(hash: number, hashes: Uint32Array): number[] {
    assert(this.isIndexed(hash), 'id index: the none hash is not indexed')
    const found: number[] = []
    for (let slot = this.heads[hash & this.mask]!; slot !== NONE; slot = this.next[slot]!) {
      if (hashes[slot] === hash) found.push(slot)
    }
    return found
  }

  /** Grows to `capacity` and re-adds every used slot below `limit` (the table grew). */
  rebuild(capacity: number, hashes: Uint32Array, limit: number, isUsed: (slot: number) => boolean) {
    assert(capacity >= limit, 'id index: capacity covers every slot')
    this.heads = new Int32Array(capacity).fill(NONE)
    this.next = new Int32Array(capacity).fill(NONE)
    this.previous = new Int32Array(capacity).fill(NONE)
    this.mask = capacity - 1
    for (let slot = 0; slot < limit; slot++) if (isUsed(slot)) this.add(slot, hashes[slot]!)
  }
}
