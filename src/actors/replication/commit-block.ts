/**
 * The commit LSN in shared memory: the replication worker stores it as the core commits and
 * bumps a sequence; the main thread waits on the sequence (Atomics.waitAsync) and reads it, so
 * an acknowledgement crosses from the worker to the main thread with no message.
 *
 * Beside it, the epoch in which this member is the primary (0 while it is not). A commit LSN
 * acknowledges the main thread's own appends only while they are the log's records, that is
 * while the member is still the primary of the epoch it appended them in. Role changes reach
 * the main thread as messages, later than this block: a primary deposed after a pause can learn
 * its successor's commit LSN here before it hears that it was deposed, and that LSN covers
 * positions where its own, now cut, records were (the chaos suite found exactly this: acks for
 * records in no member's log). The worker stores the serving epoch at the role change, before
 * any later commit, and Atomics order the two stores, so a reader that loads the commit LSN and
 * then the serving epoch never pairs a successor's commit with its own epoch.
 *
 * And the retention floor (the lowest LSN the group still needs). It rises with nearly
 * every commit and is read only when a checkpoint retires segments, so it is stored without a
 * wake-up: as an event it cost the main thread and the worker one wake-up each per put.
 */
import { LOG_START_LSN } from '../../constants.js'

const INT32_SLOTS = 16
const SEQUENCE = 0
const COMMIT_SLOT = 0
const RETENTION_FLOOR_SLOT = 1
const SERVING_EPOCH = 2
const BYTES = INT32_SLOTS * 4 + 8 * 8

export class CommitBlock {
  readonly int32: Int32Array
  private readonly wide: BigInt64Array

  constructor(readonly buffer: SharedArrayBuffer) {
    this.int32 = new Int32Array(buffer, 0, INT32_SLOTS)
    this.wide = new BigInt64Array(buffer, INT32_SLOTS * 4, 8)
  }

  static create(commitLsn: number): CommitBlock {
    const block = new CommitBlock(new SharedArrayBuffer(BYTES))
    Atomics.store(block.wide, COMMIT_SLOT, BigInt(commitLsn))
    Atomics.store(block.wide, RETENTION_FLOOR_SLOT, BigInt(LOG_START_LSN))
    return block
  }

  /** No segment at or above this LSN may retire (the core's RETENTION_FLOOR, only rising). */
  get retentionFloor(): number {
    return Number(Atomics.load(this.wide, RETENTION_FLOOR_SLOT))
  }

  publishRetentionFloor(lsn: number): void {
    Atomics.store(this.wide, RETENTION_FLOOR_SLOT, BigInt(lsn))
  }

  get commitLsn(): number {
    return Number(Atomics.load(this.wide, COMMIT_SLOT))
  }

  /** The epoch in which this member is the primary; 0 while it is not. */
  get servingEpoch(): number {
    return Number(Atomics.load(this.wide, SERVING_EPOCH))
  }

  /** Worker: the member became primary of `epoch`, or (0) stopped being a primary. */
  setServingEpoch(epoch: number): void {
    Atomics.store(this.wide, SERVING_EPOCH, BigInt(epoch))
    Atomics.add(this.int32, SEQUENCE, 1)
    Atomics.notify(this.int32, SEQUENCE)
  }

  get sequence(): number {
    return Atomics.load(this.int32, SEQUENCE)
  }

  /**
   * Stores the commit LSN, then wakes the main thread, unless `wake` is false: a follower's
   * commit that comes with records the main thread will hear of anyway (its 'write' event
   * applies whatever is committed by then), so it is not woken twice.
   */
  publish(commitLsn: number, wake = true): void {
    Atomics.store(this.wide, COMMIT_SLOT, BigInt(commitLsn))
    if (!wake) return
    Atomics.add(this.int32, SEQUENCE, 1)
    Atomics.notify(this.int32, SEQUENCE)
  }

  /** Resolves once the sequence moves past `seen` (or at once if it already has). */
  async waitPast(seen: number): Promise<void> {
    const wait = Atomics.waitAsync(this.int32, SEQUENCE, seen)
    if (wait.async) await wait.value
  }
}
