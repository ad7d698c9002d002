/**
 * A member's disk: writes then fdatasync, each with a latency, one sync at a time (group
 * commit: a sync covers everything written before it started). An fsync may fail; the member
 * then crashes (as PostgreSQL learned, retrying an fsync after a failure is not safe).
 * A truncation caps syncs in flight: bytes rewritten after the cut are not covered by them.
 */
import type { EventQueue } from './event-queue.js'
import type { Prng } from './prng.js'

export interface DiskProfile {
  readonly writeLatencyMaxMs: number
  readonly fsyncLatencyMinMs: number
  readonly fsyncLatencyMaxMs: number
  readonly fsyncFailureProbability: number
}

interface SyncJob {
  readonly end: number
  cap: number
}

export class SimDisk {
  durableLsn: number
  private requestedLsn: number
  private job: SyncJob | undefined
  private stopped = false

  constructor(
    private readonly queue: EventQueue,
    private readonly prng: Prng,
    private readonly profile: DiskProfile,
    durableLsn: number,
    private readonly onDurable: (lsn: number) => void,
    private readonly onFsyncFailure: () => void,
  ) {
    this.durableLsn = durableLsn
    this.requestedLsn = durableLsn
  }

  /** Everything below `endLsn` is written; sync it. */
  requestSync(endLsn: number): void {
    this.requestedLsn = Math.max(this.requestedLsn, endLsn)
    if (this.job === undefined) this.startSync()
  }

  truncated(fromLsn: number): void {
    if (this.job !== undefined) this.job.cap = Math.min(this.job.cap, fromLsn)
    this.durableLsn = Math.min(this.durableLsn, fromLsn)
    this.requestedLsn = Math.min(this.requestedLsn, fromLsn)
  }

  /** A checkpoint replaced the log: it is durable as installed. */
  reset(lsn: number): void {
    if (this.job !== undefined) this.job.cap = Math.min(this.job.cap, lsn)
    this.durableLsn = lsn
    this.requestedLsn = lsn
  }

  stop(): void {
    this.stopped = true
  }

  private startSync(): void {
    if (this.requestedLsn <= this.durableLsn) return
    const job: SyncJob = { end: this.requestedLsn, cap: Infinity }
    this.job = job
    const { writeLatencyMaxMs, fsyncLatencyMinMs, fsyncLatencyMaxMs } = this.profile
    const latency =
      this.prng.between(0, writeLatencyMaxMs) +
      this.prng.between(fsyncLatencyMinMs, fsyncLatencyMaxMs)
    this.queue.schedule(latency, 'fsync', () => this.finishSync(job))
  }

  private finishSync(job: SyncJob): void {
    if (this.stopped) return
    this.job = undefined
    if (this.prng.chance(this.profile.fsyncFailureProbability)) {
      this.onFsyncFailure()
      return
    }
    const synced = Math.min(job.end, job.cap)
    if (synced > this.durableLsn) {
      this.durableLsn = synced
      this.onDurable(synced)
    }
    if (!this.stopped) this.startSync()
  }
}
