/**
 * The messages of one queue, stored column by column in typed arrays indexed by slot. A queued
 * persistent message costs about 75 bytes here (with the id indexes) and no JS object: its body
 * and full descriptor stay in the journal (read back by put LSN), which is what lets queue depth
 * be bounded by disk rather than by the heap. Freed slots go on a free list and are reused.
 *
 * Column meanings:
 *  - putLsn: LSN of the PUT record. Non-persistent messages have no record; theirs is the last
 *    LSN applied when they were put, which keeps the column non-decreasing in arrival order
 *    (SlotDeque.lowerBound relies on that to find a message by put LSN).
 *  - sequence: arrival order, unique per engine; FIFO order within a priority and browse cursors.
 *  - expiryAtMs: absolute expiry time, 0 for never.
 *  - flags: the SlotState in the low bits, SlotFlag bits above.
 */
import { assert } from '../assert.js'
import { MESSAGE_TABLE_INITIAL_SLOTS } from '../constants.js'
import { IdIndex } from './id-index.js'
import { hashId, MESSAGE_ID_NONE } from './message-id.js'

/** The hash of MQMI_NONE / MQCI_NONE, which the id indexes leave out (see id-index.ts). */
export const NONE_ID_HASH = hashId(MESSAGE_ID_NONE)

/** Life cycle of a slot. REMOVED is a tombstone: still in its deque, no longer a message. */
export const SlotState = {
  FREE: 0,
  AVAILABLE: 1,
  /** Put under a unit of work that has not committed: counts in depth, invisible to gets. */
  PUT_PENDING: 2,
  /** Gotten under a unit of work that has not committed: locked, restored on backout. */
  GET_PENDING: 3,
  REMOVED: 4,
} as const
export type SlotState = (typeof SlotState)[keyof typeof SlotState]

export const SlotFlag = {
  /** The slot has an entry in its priority deque (messages locked at the front leave it). */
  IN_DEQUE: 0x10,
  PERSISTENT: 0x20,
} as const

/** Bits of `flags` that hold the SlotState. */
export const SLOT_STATE_MASK = 0x0f

/** Column values of a message as it enters the table. */
export interface MessageColumnsEntry {
  readonly putLsn: number
  readonly sequence: number
  readonly expiryAtMs: number
  readonly bodyLength: number
  readonly backoutCount: number
  readonly msgIdHash: number
  readonly correlIdHash: number
  readonly priority: number
  readonly persistent: boolean
}

export class MessageTable {
  putLsn = new Float64Array(MESSAGE_TABLE_INITIAL_SLOTS)
  sequence = new Float64Array(MESSAGE_TABLE_INITIAL_SLOTS)
  expiryAtMs = new Float64Array(MESSAGE_TABLE_INITIAL_SLOTS)
  bodyLength = new Uint32Array(MESSAGE_TABLE_INITIAL_SLOTS)
  backoutCount = new Uint32Array(MESSAGE_TABLE_INITIAL_SLOTS)
  msgIdHash = new Uint32Array(MESSAGE_TABLE_INITIAL_SLOTS)
  correlIdHash = new Uint32Array(MESSAGE_TABLE_INITIAL_SLOTS)
  priority = new Uint8Array(MESSAGE_TABLE_INITIAL_SLOTS)
  flags = new Uint8Array(MESSAGE_TABLE_INITIAL_SLOTS)
  /** A stack of free slot indices below highWater. */
  private freeSlots = new Int32Array(MESSAGE_TABLE_INITIAL_SLOTS)
  private freeCount = 0
  /** Slots at or above this index have never been used. */
  private highWater = 0
  /** Slots not FREE (messages, pending messages and tombstones). */
  usedCount = 0
  /** Slots by MsgId and by CorrelId hash, for as long as a slot is not FREE. */
  readonly msgIdIndex = new IdIndex(MESSAGE_TABLE_INITIAL_SLOTS, NONE_ID_HASH)
  readonly correlIdIndex = new IdIndex(MESSAGE_TABLE_INITIAL_SLOTS, NONE_ID_HASH)

  get capacity(): number {
    return this.flags.length
  }

  /** Upper bound (exclusive) of slot indices in use, for scans over the whole table. */
  get slotLimit(): number {
    return this.highWater
  }

  allocate(entry: MessageColumnsEntry, state: SlotState): number {
    assert(state !== SlotState.FREE && state !== SlotState.REMOVED, 'allocate a live state')
    let slot: number
    if (this.freeCount > 0) {
      this.freeCount--
      slot = this.freeSlots[this.freeCount]!
    } else {
      if (this.highWater === this.capacity) this.grow(this.capacity * 2)
      slot = this.highWater
      this.highWater++
    }
    assert(this.stateOf(slot) === SlotState.FREE, 'allocated slot was free')
    this.putLsn[slot] = entry.putLsn
    this.sequence[slot] = entry.sequence
    this.expiryAtMs[slot] = entry.expiryAtMs
    this.bodyLength[slot] = entry.bodyLength
    this.backoutCount[slot] = entry.backoutCount
    this.msgIdHash[slot] = entry.msgIdHash
    this.correlIdHash[slot] = entry.correlIdHash
    this.priority[slot] = entry.priority
    this.flags[slot] = state | (entry.persistent ? SlotFlag.PERSISTENT : 0)
    this.msgIdIndex.add(slot, entry.msgIdHash)
    this.correlIdIndex.add(slot, entry.correlIdHash)
    this.usedCount++
    return slot
  }

  release(slot: number): void {
    assert(this.stateOf(slot) !== SlotState.FREE, 'release a used slot')
    assert(!this.isInDeque(slot), 'release a slot that left its deque')
    this.msgIdIndex.delete(slot, this.msgIdHash[slot]!)
    this.correlIdIndex.delete(slot, this.correlIdHash[slot]!)
    this.flags[slot] = SlotState.FREE
    this.freeSlots[this.freeCount] = slot
    this.freeCount++
    this.usedCount--
    // A queue that drained completely gives back its peak memory.
    if (this.usedCount === 0 && this.capacity > MESSAGE_TABLE_INITIAL_SLOTS) this.reset()
  }

  stateOf(slot: number): SlotState {
    assert(slot >= 0 && slot < this.highWater, 'slot in range')
    return (this.flags[slot]! & SLOT_STATE_MASK) as SlotState
  }

  setState(slot: number, state: SlotState): void {
    assert(state !== SlotState.FREE, 'free slots through release()')
    this.flags[slot] = (this.flags[slot]! & ~SLOT_STATE_MASK) | state
  }

  isPersistent(slot: number): boolean {
    return (this.flags[slot]! & SlotFlag.PERSISTENT) !== 0
  }

  isInDeque(slot: number): boolean {
    return (this.flags[slot]! & SlotFlag.IN_DEQUE) !== 0
  }

  setInDeque(slot: number, inDeque: boolean): void {
    const flags = this.flags[slot]!
    this.flags[slot] = inDeque ? flags | SlotFlag.IN_DEQUE : flags & ~SlotFlag.IN_DEQUE
  }

  /** Forgets every message (clear, delete). */
  reset(): void {
    this.putLsn = new Float64Array(MESSAGE_TABLE_INITIAL_SLOTS)
    this.sequence = new Float64Array(MESSAGE_TABLE_INITIAL_SLOTS)
    this.expiryAtMs = new Float64Array(MESSAGE_TABLE_INITIAL_SLOTS)
    this.bodyLength = new Uint32Array(MESSAGE_TABLE_INITIAL_SLOTS)
    this.backoutCount = new Uint32Array(MESSAGE_TABLE_INITIAL_SLOTS)
    this.msgIdHash = new Uint32Array(MESSAGE_TABLE_INITIAL_SLOTS)
    this.correlIdHash = new Uint32Array(MESSAGE_TABLE_INITIAL_SLOTS)
    this.priority = new Uint8Array(MESSAGE_TABLE_INITIAL_SLOTS)
    this.flags = new Uint8Array(MESSAGE_TABLE_INITIAL_SLOTS)
    this.freeSlots = new Int32Array(MESSAGE_TABLE_INITIAL_SLOTS)
    this.freeCount = 0
    this.highWater = 0
    this.usedCount = 0
    this.rebuildIndexes()
  }

  private grow(capacity: number): void {
    assert(capacity > this.capacity, 'message table grows')
    this.putLsn = grown(this.putLsn, new Float64Array(capacity))
    this.sequence = grown(this.sequence, new Float64Array(capacity))
    this.expiryAtMs = grown(this.expiryAtMs, new Float64Array(capacity))
    this.bodyLength = grown(this.bodyLength, new Uint32Array(capacity))
    this.backoutCount = grown(this.backoutCount, new Uint32Array(capacity))
    this.msgIdHash = grown(this.msgIdHash, new Uint32Array(capacity))
    this.correlIdHash = grown(this.correlIdHash, new Uint32Array(capacity))
    this.priority = grown(this.priority, new Uint8Array(capacity))
    this.flags = grown(this.flags, new Uint8Array(capacity))
    this.freeSlots = grown(this.freeSlots, new Int32Array(capacity))
    this.rebuildIndexes()
  }

  private rebuildIndexes(): void {
    const used = (slot: number): boolean => this.stateOf(slot) !== SlotState.FREE
    this.msgIdIndex.rebuild(this.capacity, this.msgIdHash, this.highWater, used)
    this.correlIdIndex.rebuild(this.capacity, this.correlIdHash, this.highWater, used)
  }
}

function grown<Column extends Float64Array | Uint32Array | Uint8Array | Int32Array>(
  from: Column,
  to: Column,
): Column {
  to.set(from)
  return to
}
