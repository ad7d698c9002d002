/**
 * One local queue: its attributes, its message table, one slot deque per priority, counters and
 * waiting getters. Every message state change of the engine (live or replayed, persistent or
 * not) lands in the methods here, so the counters and deques cannot drift apart.
 *
 * Delivery order: with MSGDLVSQ(PRIORITY), highest priority first and arrival order within a
 * priority; with MSGDLVSQ(FIFO), arrival order alone, which is a merge of the ten deques by
 * sequence. Messages leave their deque lazily: a removed message in the middle becomes a
 * tombstone, skipped by scans and dropped when it reaches the front (or by compaction); a message
 * locked by a unit of work leaves as soon as a scan meets it at the front, and returns to its
 * original position (by sequence) if the unit of work backs out.
 */
import { assert } from '../assert.js'
import { PRIORITY_LEVELS, TOMBSTONE_COMPACTION_MIN_COUNT } from '../constants.js'
import type { StoredDescriptor } from '../actors/journal/record-types.js'
import type { BodyCache } from './body-cache.js'
import { WaiterList } from './get-waiter.js'
import {
  MessageTable,
  SLOT_STATE_MASK,
  SlotState,
  type MessageColumnsEntry,
} from './message-table.js'
import { RelocatedMessages } from './relocated-messages.js'
import { SlotDeque } from './slot-deque.js'
import type { QueueAttributes } from './types.js'

/** Descriptor and body of a message as put; non-persistent messages keep theirs in memory. */
export interface StoredMessage {
  readonly descriptor: StoredDescriptor
  readonly body: Uint8Array
}

/** A place in delivery order: where a browse cursor stands. */
export interface DeliveryPosition {
  readonly priority: number
  readonly sequence: number
}

export interface MessageQuery {
  readonly nowMs: number
  /** Browse next: only messages after this position in delivery order. */
  readonly after: DeliveryPosition | undefined
  /** Hashes to match, undefined for any. */
  readonly msgIdHash: number | undefined
  readonly correlIdHash: number | undefined
  /** Confirms a hash match against the full identifiers (only called when a hash is given). */
  readonly confirm: (slot: number) => boolean
}

type LiveState =
  typeof SlotState.AVAILABLE | typeof SlotState.PUT_PENDING | typeof SlotState.GET_PENDING

export class LocalQueue {
  readonly table = new MessageTable()
  readonly nonPersistent = new Map<number, StoredMessage>()
  readonly waiters = new WaiterList()
  /** Messages compaction moved to a new LSN (relocated-messages.ts). */
  readonly relocated = new RelocatedMessages()
  /** CURDEPTH: available, put-pending and get-pending messages. */
  depth = 0
  /** Put or gotten under a unit of work not yet committed. */
  uncommitted = 0
  /** Visible to gets, including expired ones not yet met. */
  available = 0
  tombstones = 0
  openInputCount = 0
  openOutputCount = 0
  openBrowseCount = 0
  /**
   * Live operations since the queue manager started (metrics): puts and gets taken (under
   * syncpoint too, counted when taken), messages expired. Replay and restore do not count.
   */
  putCount = 0
  getCount = 0
  expiredCount = 0
  deleted = false
  /** Next slot the expiry sweeper examines. */
  private sweepCursor = 0
  /** oldestSlot()'s last answer and its sequence; -1 when none is kept. */
  private oldestCachedSlot = -1
  private oldestCachedSequence = 0
  private readonly deques: SlotDeque[] = Array.from(
    { length: PRIORITY_LEVELS },
    () => new SlotDeque(),
  )

  constructor(
    readonly queueId: number,
    public attributes: QueueAttributes,
    private readonly bodyCache: BodyCache,
  ) {}

  get name(): string {
    return this.attributes.name
  }

  /**
   * The live message that arrived first (lowest sequence), or -1 (metrics: oldest age, sampled
   * every second by the console). Kept from the last call while that message is still live and
   * nothing older was inserted since: only a queue whose oldest message left is scanned again.
   */
  oldestSlot(): number {
    if (this.depth === 0) return -1
    const table = this.table
    const cached = this.oldestCachedSlot
    if (cached !== -1 && cached < table.slotLimit) {
      const state = table.stateOf(cached)
      const live = state !== SlotState.FREE && state !== SlotState.REMOVED
      if (live && table.sequence[cached] === this.oldestCachedSequence) return cached
    }
    let oldest = -1
    for (let slot = 0; slot < table.slotLimit; slot++) {
      const state = table.stateOf(slot)
      if (state === SlotState.FREE || state === SlotState.REMOVED) continue
      if (oldest === -1 || table.sequence[slot]! < table.sequence[oldest]!) oldest = slot
    }
    assert(oldest !== -1, 'a queue with depth has a live message')
    this.oldestCachedSlot = oldest
    this.oldestCachedSequence = table.sequence[oldest]!
    return oldest
  }

  get openHandleCount(): number {
    return this.openInputCount + this.openOutputCount + this.openBrowseCount
  }

  /** Adds a message at the back of its priority (callers add in ascending sequence). */
  insert(entry: MessageColumnsEntry, state: LiveState, stored?: StoredMessage): number {
    assert(entry.persistent === (stored === undefined), 'only non-persistent messages keep content')
    // Restores and replays may insert out of order: an older message replaces the kept oldest.
    if (entry.sequence < this.oldestCachedSequence) this.oldestCachedSlot = -1
    const slot = this.table.allocate(entry, state)
    this.deques[entry.priority]!.pushBack(slot)
    this.table.setInDeque(slot, true)
    if (stored !== undefined) this.nonPersistent.set(slot, stored)
    this.depth++
    if (state === SlotState.AVAILABLE) {
      this.available++
      this.waiters.scheduleWake()
    } else {
      this.uncommitted++
    }
    return slot
  }

  /**
   * The slot of the available persistent message put at `putLsn`, or -1. A binary search per
   * deque, which relies on put LSNs rising along each deque; a message moved here by a backout
   * requeue (backout-requeue.ts) keeps its older put LSN and breaks that order, so a miss falls
   * back to a scan of the table (requeues are rare: poison messages).
   */
  locate(putLsn: number): number {
    const table = this.table
    const found = (slot: number): boolean =>
      table.putLsn[slot] === putLsn &&
      table.isPersistent(slot) &&
      table.stateOf(slot) === SlotState.AVAILABLE
    const relocatedSlot = this.relocated.slotAt(putLsn)
    if (relocatedSlot !== undefined) return found(relocatedSlot) ? relocatedSlot : -1
    const relocated = this.relocated
    const keyOf = (slot: number): number => relocated.searchKey(slot, table.putLsn[slot]!)
    for (const deque of this.deques) {
      for (let index = deque.lowerBound(putLsn, keyOf); index < deque.length; index++) {
        const slot = deque.at(index)
        if (keyOf(slot) !== putLsn) break
        if (found(slot)) return slot
      }
    }
    for (let slot = 0; slot < table.slotLimit; slot++) {
      if (table.stateOf(slot) !== SlotState.FREE && found(slot)) return slot
    }
    return -1
  }

  /**
   * Copy-forward compaction moved an available persistent message's record to `toLsn`: same
   * slot, same place in delivery order, new identity on disk.
   */
  relocate(slot: number, toLsn: number): void {
    const table = this.table
    assert(table.isPersistent(slot), 'relocate a persistent message')
    assert(table.stateOf(slot) === SlotState.AVAILABLE, 'relocate an available message')
    const fromLsn = table.putLsn[slot]!
    assert(toLsn > fromLsn, 'a message moves forward in the log')
    this.bodyCache.delete(fromLsn)
    this.relocated.move(slot, fromLsn, toLsn)
    table.putLsn[slot] = toLsn
  }

  /**
   * After a checkpoint restore: relocated messages have put LSNs out of order in their deques.
   * Walking each deque from the back, a message whose LSN is above every later key gets a home
   * key (the smallest later key), which keeps the search keys non-decreasing.
   */
  indexRelocated(): void {
    const table = this.table
    for (const deque of this.deques) {
      let smallestLater = Infinity
      for (let index = deque.length - 1; index >= 0; index--) {
        const slot = deque.at(index)
        const putLsn = table.putLsn[slot]!
        if (putLsn <= smallestLater) {
          smallestLater = putLsn
          continue
        }
        assert(table.isPersistent(slot), 'only persistent messages are relocated')
        this.relocated.add(slot, putLsn, smallestLater)
      }
    }
  }

  /** A get under a unit of work: the message stays, invisible, until commit or backout. */
  lockForGet(slot: number): void {
    assert(this.table.stateOf(slot) === SlotState.AVAILABLE, 'lock an available message')
    this.table.setState(slot, SlotState.GET_PENDING)
    this.available--
    this.uncommitted++
    const deque = this.dequeOf(slot)
    if (deque.front() === slot) {
      deque.popFront()
      this.table.setInDeque(slot, false)
    }
  }

  /** Removes a message for good: a committed get, a backed-out put, expiry. */
  remove(slot: number): void {
    const state = this.table.stateOf(slot)
    if (state === SlotState.AVAILABLE) {
      this.available--
    } else {
      assert(state === SlotState.PUT_PENDING || state === SlotState.GET_PENDING, 'remove a message')
      this.uncommitted--
    }
    this.depth--
    this.forgetContent(slot)
    if (!this.table.isInDeque(slot)) {
      this.table.release(slot)
      return
    }
    const deque = this.dequeOf(slot)
    if (deque.front() === slot) {
      deque.popFront()
      this.table.setInDeque(slot, false)
      this.table.release(slot)
      return
    }
    this.table.setState(slot, SlotState.REMOVED)
    this.tombstones++
    this.expiredCount++
  }

  commitPut(slot: number): void {
    assert(this.table.stateOf(slot) === SlotState.PUT_PENDING, 'commit a pending put')
    assert(this.table.isInDeque(slot), 'a pending put keeps its place in the deque')
    this.table.setState(slot, SlotState.AVAILABLE)
    this.uncommitted--
    this.available++
    this.waiters.scheduleWake()
  }

  /** Backout of a get: the message returns to its original place with BackoutCount + 1. */
  restoreGotten(slot: number): void {
    assert(this.table.stateOf(slot) === SlotState.GET_PENDING, 'restore a locked message')
    this.table.setState(slot, SlotState.AVAILABLE)
    this.table.backoutCount[slot] = this.table.backoutCount[slot]! + 1
    this.uncommitted--
    this.available++
    if (!this.table.isInDeque(slot)) {
      const deque = this.dequeOf(slot)
      const sequence = this.table.sequence
      deque.insertAt(
        deque.lowerBound(sequence[slot]!, (other) => sequence[other]!),
        slot,
      )
      this.table.setInDeque(slot, true)
    }
    this.waiters.scheduleWake()
  }

  positionOf(slot: number): DeliveryPosition {
    return { priority: this.table.priority[slot]!, sequence: this.table.sequence[slot]! }
  }

  isExpired(slot: number, nowMs: number): boolean {
    const expiryAtMs = this.table.expiryAtMs[slot]!
    return expiryAtMs !== 0 && expiryAtMs <= nowMs
  }

  /** The first message in delivery order that `query` accepts, or -1. */
  firstEligible(query: MessageQuery): number {
    if (this.available === 0) return -1
    this.compactIfWasteful()
    const indexed = this.indexedCandidates(query)
    if (indexed !== undefined) return this.firstIndexed(indexed, query)
    const fifo = this.attributes.deliverySequence === 'FIFO'
    let best = -1
    for (let priority = PRIORITY_LEVELS - 1; priority >= 0; priority--) {
      const start = this.scanStart(priority, query.after, fifo)
      if (start < 0) continue
      const slot = this.scanDeque(this.deques[priority]!, start, query)
      if (slot < 0) continue
      if (!fifo) return slot
      if (best < 0 || this.table.sequence[slot]! < this.table.sequence[best]!) best = slot
    }
    return best
  }

  /**
   * Slots that may match a MsgId or CorrelId query, from the table's hash indexes (MsgId first:
   * it is nearly always unique), or undefined when the query names no indexed hash and the
   * deques must be scanned.
   */
  private indexedCandidates(query: MessageQuery): number[] | undefined {
    const table = this.table
    if (query.msgIdHash !== undefined && table.msgIdIndex.isIndexed(query.msgIdHash)) {
      return table.msgIdIndex.candidates(query.msgIdHash, table.msgIdHash)
    }
    if (query.correlIdHash !== undefined && table.correlIdIndex.isIndexed(query.correlIdHash)) {
      return table.correlIdIndex.candidates(query.correlIdHash, table.correlIdHash)
    }
    return undefined
  }

  /** Among index candidates, the first in delivery order that `query` accepts, or -1. */
  private firstIndexed(candidates: number[], query: MessageQuery): number {
    const table = this.table
    const eligible = candidates.filter((slot) => {
      if (table.stateOf(slot) !== SlotState.AVAILABLE) return false
      if (query.msgIdHash !== undefined && table.msgIdHash[slot] !== query.msgIdHash) return false
      if (query.correlIdHash !== undefined && table.correlIdHash[slot] !== query.correlIdHash) {
        return false
      }
      if (this.isExpired(slot, query.nowMs)) {
        this.expireDuringScan(slot)
        return false
      }
      return query.after === undefined || this.comesAfter(slot, query.after)
    })
    eligible.sort((left, right) => this.compareDelivery(left, right))
    for (const slot of eligible) if (query.confirm(slot)) return slot
    return -1
  }

  /** Negative when `left` is delivered before `right`. */
  private compareDelivery(left: number, right: number): number {
    const { priority, sequence } = this.table
    if (this.attributes.deliverySequence === 'PRIORITY' && priority[left] !== priority[right]) {
      return priority[right]! - priority[left]!
    }
    return sequence[left]! - sequence[right]!
  }

  private comesAfter(slot: number, after: DeliveryPosition): boolean {
    const priority = this.table.priority[slot]!
    const sequence = this.table.sequence[slot]!
    if (this.attributes.deliverySequence === 'FIFO' || priority === after.priority) {
      return sequence > after.sequence
    }
    return priority < after.priority
  }

  /**
   * Expiry sweep: examines up to `budget` slots from the sweep cursor on, removing available
   * messages whose expiry has passed (locked and pending ones are left to their unit of work).
   * Returns the slots examined; the cursor wraps to 0 once it passes the end of the table.
   */
  sweepExpired(nowMs: number, budget: number, fromStart = false): number {
    const table = this.table
    const limit = table.slotLimit
    if (fromStart || this.sweepCursor >= limit) this.sweepCursor = 0
    const end = Math.min(limit, this.sweepCursor + budget)
    let expired = 0
    for (let slot = this.sweepCursor; slot < end; slot++) {
      if (table.stateOf(slot) === SlotState.AVAILABLE && this.isExpired(slot, nowMs)) {
        this.remove(slot)
        expired++
      }
    }
    this.expiredCount += expired
    const examined = end - this.sweepCursor
    this.sweepCursor = end
    // remove() released slots at a deque front; others became tombstones: compact if wasteful.
    if (expired > 0) this.compactIfWasteful()
    return examined
  }

  /** True when the sweep cursor is at the start of the table (a full pass has ended). */
  get sweepAtStart(): boolean {
    return this.sweepCursor === 0 || this.sweepCursor >= this.table.slotLimit
  }

  /** Drops every message (CLEAR QLOCAL, DELETE QLOCAL PURGE); nothing may be uncommitted. */
  clearMessages(): void {
    assert(this.uncommitted === 0, 'clear a queue without uncommitted messages')
    const table = this.table
    for (let slot = 0; slot < table.slotLimit; slot++) {
      const state = table.stateOf(slot)
      if (state !== SlotState.FREE && table.isPersistent(slot)) {
        this.bodyCache.delete(table.putLsn[slot]!)
      }
    }
    table.reset()
    this.oldestCachedSlot = -1
    this.relocated.clear()
    for (const deque of this.deques) deque.clear()
    this.nonPersistent.clear()
    this.depth = 0
    this.available = 0
    this.tombstones = 0
  }

  /** Where a scan of one deque starts, or -1 if nothing in it can come after the cursor. */
  private scanStart(priority: number, after: DeliveryPosition | undefined, fifo: boolean): number {
    const deque = this.deques[priority]!
    this.trimFront(deque)
    if (after === undefined) return 0
    if (!fifo && priority > after.priority) return -1
    if (!fifo && priority < after.priority) return 0
    const sequence = this.table.sequence
    return deque.lowerBound(after.sequence, (slot) => sequence[slot]!, true)
  }

  private scanDeque(deque: SlotDeque, start: number, query: MessageQuery): number {
    const { flags, msgIdHash, correlIdHash } = this.table
    const wantedMsgIdHash = query.msgIdHash
    const wantedCorrelIdHash = query.correlIdHash
    const hashed = wantedMsgIdHash !== undefined || wantedCorrelIdHash !== undefined
    return deque.find(start, (slot) => {
      if ((flags[slot]! & SLOT_STATE_MASK) !== SlotState.AVAILABLE) return false
      if (wantedMsgIdHash !== undefined && msgIdHash[slot] !== wantedMsgIdHash) return false
      if (wantedCorrelIdHash !== undefined && correlIdHash[slot] !== wantedCorrelIdHash) {
        return false
      }
      if (this.isExpired(slot, query.nowMs)) {
        this.expireDuringScan(slot)
        return false
      }
      return !hashed || query.confirm(slot)
    })
  }

  /**
   * Expired messages are removed when met and never delivered. No journal record: expiry is a
   * function of the put record and the clock, so replay meets the same messages expired again.
   * The slot becomes a tombstone rather than leaving the deque, because a scan is walking it.
   */
  private expireDuringScan(slot: number): void {
    assert(this.table.isInDeque(slot), 'an available message is in its deque')
    this.available--
    this.depth--
    this.forgetContent(slot)
    this.table.setState(slot, SlotState.REMOVED)
    this.tombstones++
  }

  /** Drops tombstones and locked messages from the front, so scans do not walk them again. */
  private trimFront(deque: SlotDeque): void {
    while (deque.length > 0) {
      const slot = deque.front()
      const state = this.table.stateOf(slot)
      if (state !== SlotState.REMOVED && state !== SlotState.GET_PENDING) return
      deque.popFront()
      this.table.setInDeque(slot, false)
      if (state === SlotState.REMOVED) {
        this.tombstones--
        this.table.release(slot)
      }
    }
  }

  private compactIfWasteful(): void {
    if (this.tombstones <= TOMBSTONE_COMPACTION_MIN_COUNT || this.tombstones <= this.depth) return
    for (const deque of this.deques) {
      deque.retain((slot) => {
        const state = this.table.stateOf(slot)
        if (state !== SlotState.REMOVED && state !== SlotState.GET_PENDING) return true
        this.table.setInDeque(slot, false)
        if (state === SlotState.REMOVED) this.table.release(slot)
        return false
      })
    }
    this.tombstones = 0
  }

  private dequeOf(slot: number): SlotDeque {
    return this.deques[this.table.priority[slot]!]!
  }

  private forgetContent(slot: number): void {
    if (!this.table.isPersistent(slot)) {
      this.nonPersistent.delete(slot)
      return
    }
    const putLsn = this.table.putLsn[slot]!
    this.bodyCache.delete(putLsn)
    // A removed message may stay in its deque as a tombstone: its home key keeps the order.
    const home = this.relocated.forget(slot, putLsn)
    if (home !== undefined) this.table.putLsn[slot] = home
  }
}
