/**
 * Messages of one queue that copy-forward compaction relocated (MESSAGE_MOVE): their record now
 * lies at a new LSN while they keep their place in delivery order. The table's putLsn column then
 * holds the new LSN (what reads, GET records and the log floor use), which breaks the order by
 * put LSN that LocalQueue.locate's binary search relies on. So for relocated slots only, this
 * index keeps a "home" key (the put LSN the message had, or any key that keeps the deque's keys
 * non-decreasing) for the search, and finds them by their new LSN directly.
 *
 * Only relocated messages have entries (two map entries each): compaction moves few messages,
 * the old ones below its target, and a message leaves the index as soon as it is removed.
 */
export class RelocatedMessages {
  /** Search key of each relocated slot. */
  private readonly homeBySlot = new Map<number, number>()
  /** Slot of each relocated message by its current LSN. */
  private readonly slotByLsn = new Map<number, number>()

  get size(): number {
    return this.homeBySlot.size
  }

  /** The key binary searches over a deque use for `slot`. */
  searchKey(slot: number, putLsn: number): number {
    return this.homeBySlot.get(slot) ?? putLsn
  }

  slotAt(lsn: number): number | undefined {
    return this.slotByLsn.get(lsn)
  }

  /** `slot`, known until now by `fromLsn`, is known by `toLsn` from now on. */
  move(slot: number, fromLsn: number, toLsn: number): void {
    const home = this.homeBySlot.get(slot) ?? fromLsn
    this.slotByLsn.delete(fromLsn)
    this.add(slot, toLsn, home)
  }

  /** Indexes a relocated slot known by `lsn`, searched for under `home`. */
  add(slot: number, lsn: number, home: number): void {
    this.homeBySlot.set(slot, home)
    this.slotByLsn.set(lsn, slot)
  }

  /** Forgets a slot whose message is gone; returns its home key (to write back as its putLsn). */
  forget(slot: number, lsn: number): number | undefined {
    const home = this.homeBySlot.get(slot)
    if (home === undefined) return undefined
    this.homeBySlot.delete(slot)
    this.slotByLsn.delete(lsn)
    return home
  }

  clear(): void {
    this.homeBySlot.clear()
    this.slotByLsn.clear()
  }
}
