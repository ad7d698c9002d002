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
 */
const INT32_SLOTS = 16
const SEQUENCE = 0
const SERVING_EPOCH = 1
const COMMIT_SLOT = 0
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
    return block
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

  /** Stores the commit LSN, then wakes the main thread. */
  publish(commitLsn: number): void {
    Atomics.store(this.wide, COMMIT_SLOT, BigInt(commitLsn))
    Atomics.add(this.int32, SEQUENCE, 1)
    Atomics.notify(this.int32, SEQUENCE)
  }

  /** Resolves once the sequence moves past `seen` (or at once if it already has). */
  async waitPast(seen: number): Promise<void> {
    const wait = Atomics.waitAsync(this.int32, SEQUENCE, seen)
    if (wait.async) await wait.value
  }
}
