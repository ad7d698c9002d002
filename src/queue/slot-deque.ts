/**
 * A double-ended queue of message-table slot indices: an Int32Array ring whose capacity is a
 * power of two, grown by doubling and shrunk by halving when mostly empty. Each queue keeps one
 * per priority; entries are kept in ascending arrival sequence, which is what makes binary
 * search (browse cursors, backout re-insertion, finding a message by put LSN) possible.
 *
 * Four bytes per queued message and no per-message objects: that is the point of this class.
 */
import { assert } from '../assert.js'
import { SLOT_DEQUE_INITIAL_CAPACITY } from '../constants.js'

export class SlotDeque {
  private ring = new Int32Array(SLOT_DEQUE_INITIAL_CAPACITY)
  private mask = SLOT_DEQUE_INITIAL_CAPACITY - 1
  private head = 0
  private count = 0

  get length(): number {
    return this.count
  }

  /** The slot at logical position `index` (0 is the front). */
  at(index: number): number {
    assert(index >= 0 && index < this.count, 'slot deque: index in range')
    return this.ring[(this.head + index) & this.mask]!
  }

  front(): number {
    return this.at(0)
  }

  pushBack(slot: number): void {
    assert(slot >= 0, 'slot deque: slots are non-negative')
    if (this.count === this.ring.length) this.resize(this.ring.length * 2)
    this.ring[(this.head + this.count) & this.mask] = slot
    this.count++
  }

  popFront(): number {
    assert(this.count > 0, 'slot deque: pop from an empty deque')
    const slot = this.ring[this.head]!
    this.head = (this.head + 1) & this.mask
    this.count--
    this.shrinkIfSparse()
    return slot
  }

  /**
   * Inserts at logical position `index`, moving whichever side is shorter. Backed-out messages
   * usually return near the front, so this is cheap in the common case.
   */
  insertAt(index: number, slot: number): void {
    assert(index >= 0 && index <= this.count, 'slot deque: insert position in range')
    assert(slot >= 0, 'slot deque: slots are non-negative')
    if (this.count === this.ring.length) this.resize(this.ring.length * 2)
    if (index < this.count - index) {
      this.head = (this.head - 1) & this.mask
      for (let position = 0; position < index; position++) {
        this.ring[(this.head + position) & this.mask] =
          this.ring[(this.head + position + 1) & this.mask]!
      }
    } else {
      for (let position = this.count; position > index; position--) {
        this.ring[(this.head + position) & this.mask] =
          this.ring[(this.head + position - 1) & this.mask]!
      }
    }
    this.ring[(this.head + index) & this.mask] = slot
    this.count++
  }

  /**
   * The first slot from position `start` on for which `predicate` holds, or -1. The hot loop of
   * every get: ring access without per-entry checks. `predicate` must not change the deque.
   */
  find(start: number, predicate: (slot: number) => boolean): number {
    assert(start >= 0 && start <= this.count, 'slot deque: scan start in range')
    const ring = this.ring
    const mask = this.mask
    const head = this.head
    const count = this.count
    for (let position = start; position < count; position++) {
      const slot = ring[(head + position) & mask]!
      if (predicate(slot)) return slot
    }
    assert(this.count === count && this.ring === ring, 'slot deque: unchanged by a scan')
    return -1
  }

  /**
   * The first position whose key is >= `target` (or > `target` when `strictlyAbove`), for keys
   * that never decrease from front to back.
   */
  lowerBound(target: number, keyOf: (slot: number) => number, strictlyAbove = false): number {
    let low = 0
    let high = this.count
    while (low < high) {
      const middle = (low + high) >>> 1
      const key = keyOf(this.ring[(this.head + middle) & this.mask]!)
      const below = strictlyAbove ? key <= target : key < target
      if (below) low = middle + 1
      else high = middle
    }
    return low
  }

  /** Keeps the slots for which `keep` is true, in order (compaction of tombstones). */
  retain(keep: (slot: number) => boolean): void {
    let kept = 0
    for (let position = 0; position < this.count; position++) {
      const slot = this.ring[(this.head + position) & this.mask]!
      if (!keep(slot)) continue
      this.ring[(this.head + kept) & this.mask] = slot
      kept++
    }
    this.count = kept
    this.shrinkIfSparse()
  }

  clear(): void {
    this.ring = new Int32Array(SLOT_DEQUE_INITIAL_CAPACITY)
    this.mask = SLOT_DEQUE_INITIAL_CAPACITY - 1
    this.head = 0
    this.count = 0
  }

  /** Halving below a quarter full keeps a drained deep queue from holding its peak memory. */
  private shrinkIfSparse(): void {
    const capacity = this.ring.length
    if (capacity <= SLOT_DEQUE_INITIAL_CAPACITY || this.count * 4 > capacity) return
    this.resize(capacity / 2)
  }

  private resize(capacity: number): void {
    assert(capacity >= this.count, 'slot deque: resize keeps every entry')
    const ring = new Int32Array(capacity)
    for (let position = 0; position < this.count; position++) {
      ring[position] = this.ring[(this.head + position) & this.mask]!
    }
    this.ring = ring
    this.mask = capacity - 1
    this.head = 0
  }
}
