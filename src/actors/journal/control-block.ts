/**
 * The journal's control block (layout in messages.ts) as both threads use it: the worker
 * publishes the durable end (LSN and epoch) after each synced batch and bumps the sequence the
 * main thread waits on; the main thread reads the durable end and the worker state.
 */
import { trace } from '../../runtime/path-trace.js'
import {
  CONTROL_BIGINT64_SLOTS,
  CONTROL_BYTES,
  CONTROL_INT32_SLOTS,
  ControlSlot,
  ControlWideSlot,
  type JournalWorkerState,
} from './messages.js'

type WorkerState = (typeof JournalWorkerState)[keyof typeof JournalWorkerState]

const WIDE_OFFSET_BYTES = CONTROL_INT32_SLOTS * 4
const DURABLE_END = ControlWideSlot.DURABLE_END_LSN / 8

export class JournalControlBlock {
  /** Int32 slots: the main thread waits on DURABLE_SEQUENCE here with Atomics.waitAsync. */
  readonly int32: Int32Array
  private readonly wide: BigInt64Array

  constructor(readonly buffer: SharedArrayBuffer) {
    this.int32 = new Int32Array(buffer, 0, CONTROL_INT32_SLOTS)
    this.wide = new BigInt64Array(buffer, WIDE_OFFSET_BYTES, CONTROL_BIGINT64_SLOTS)
  }

  static create(durableEndLsn: number, durableEpoch: number): JournalControlBlock {
    const block = new JournalControlBlock(new SharedArrayBuffer(CONTROL_BYTES))
    Atomics.store(block.wide, DURABLE_END, BigInt(durableEndLsn))
    Atomics.store(block.int32, ControlSlot.DURABLE_EPOCH, durableEpoch | 0)
    return block
  }

  get durableEndLsn(): number {
    return Number(Atomics.load(this.wide, DURABLE_END))
  }

  get durableEpoch(): number {
    return Atomics.load(this.int32, ControlSlot.DURABLE_EPOCH) >>> 0
  }

  get sequence(): number {
    return Atomics.load(this.int32, ControlSlot.DURABLE_SEQUENCE)
  }

  /** Stores the new durable end, then wakes the main thread (which reads it after the wake). */
  publishDurable(endLsn: number, epoch: number): void {
    trace('journal-durable', endLsn)
    Atomics.store(this.int32, ControlSlot.DURABLE_EPOCH, epoch | 0)
    Atomics.store(this.wide, DURABLE_END, BigInt(endLsn))
    this.wake()
  }

  get controlPosted(): number {
    return Atomics.load(this.int32, ControlSlot.CONTROL_POSTED)
  }

  /** The main thread posted a control message: counted before it wakes the worker. */
  countControlPosted(): void {
    Atomics.add(this.int32, ControlSlot.CONTROL_POSTED, 1)
  }

  setWorkerState(state: WorkerState): void {
    Atomics.store(this.int32, ControlSlot.WORKER_STATE, state)
  }

  /** Bumps the durable sequence and notifies its waiters. */
  wake(): void {
    Atomics.add(this.int32, ControlSlot.DURABLE_SEQUENCE, 1)
    Atomics.notify(this.int32, ControlSlot.DURABLE_SEQUENCE)
  }
}
