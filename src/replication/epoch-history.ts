/**
 * The log's epoch history, Kafka's leader-epoch cache: [(epoch, startLsn)] in ascending order,
 * one entry per run of records written in one epoch. The epoch of any byte of the log is a
 * lookup, so the core keeps no per-record state. Gaps after a SEGMENT_SEAL belong to the seal's
 * run, which is harmless: they are never the start of a record.
 *
 * Log matching (Raft's property, on bytes): one primary per epoch writes one stream of records,
 * so if two logs both have byte x in epoch e, they are identical up to the end of the record
 * holding x. Hence the divergence point of two logs follows from their histories alone
 * (divergencePoint below), and it is a record boundary in both.
 */
import { assert } from '../assert.js'
import { MAX_REPLICATION_HISTORY_RUNS } from '../constants.js'

export interface EpochRun {
  readonly epoch: number
  readonly startLsn: number
}

export class EpochHistory {
  private runs: EpochRun[]

  constructor(runs: readonly EpochRun[] = []) {
    for (let index = 1; index < runs.length; index++) {
      assert(runs[index]!.epoch > runs[index - 1]!.epoch, 'epoch history: epochs ascend')
      assert(runs[index]!.startLsn >= runs[index - 1]!.startLsn, 'epoch history: LSNs ascend')
    }
    this.runs = [...runs]
  }

  get entries(): readonly EpochRun[] {
    return this.runs
  }

  /** Epoch of the last run; 0 for an empty log. */
  get lastEpoch(): number {
    return this.runs[this.runs.length - 1]?.epoch ?? 0
  }

  /** Epoch of the byte at `lsn`; 0 before the first run (the empty log's "epoch"). */
  epochAt(lsn: number): number {
    let epoch = 0
    for (const run of this.runs) {
      if (run.startLsn > lsn) break
      epoch = run.epoch
    }
    return epoch
  }

  /** Start of the first run after the one holding `lsn`, or Infinity: where that run ends. */
  runEndAfter(lsn: number): number {
    for (const run of this.runs) if (run.startLsn > lsn) return run.startLsn
    return Infinity
  }

  /** Start LSN of `epoch`'s run, or -1 if this log has none. */
  startOf(epoch: number): number {
    return this.runs.find((run) => run.epoch === epoch)?.startLsn ?? -1
  }

  /** Records of `epoch` are appended at `startLsn`; opens a run if the epoch is new. */
  append(epoch: number, startLsn: number): void {
    const last = this.runs[this.runs.length - 1]
    if (last !== undefined && last.epoch === epoch) return
    assert(last === undefined || epoch > last.epoch, 'epoch history: a later run, a later epoch')
    assert(last === undefined || startLsn >= last.startLsn, 'epoch history: runs ascend')
    this.runs.push({ epoch, startLsn })
  }

  /** The log is cut at `lsn`: runs starting there or later go. */
  truncateFrom(lsn: number): void {
    this.runs = this.runs.filter((run) => run.startLsn < lsn)
  }

  /**
   * The log now starts at `lsn`. Runs below it are kept: one entry per epoch is tiny, and a
   * primary needs them to find where a long-absent member's log diverges from its own (a
   * member may hold records the primary has retired; those below the agreement point are
   * superseded by a checkpoint, not cut).
   */
  retireBelow(lsn: number): void {
    assert(lsn >= 0, 'epoch history: a log start is an LSN')
  }

  /** Runs from the one holding `lsn` on: what a follower sends so a primary can find the
   *  divergence point (bounded: one entry per epoch since its commit point). */
  tailFrom(lsn: number): EpochRun[] {
    const from = Math.max(
      0,
      this.runs.findLastIndex((run) => run.startLsn <= lsn),
    )
    return this.runs.slice(from)
  }
}

/**
 * The LSN up to which two logs agree, from this log's history and end and another's history
 * tail and end: for every epoch both have, they agree up to the lower end of its two runs (log
 * matching); the answer is the highest such point, or `floor` (a point known to agree, e.g. the
 * other side's commit LSN) if that is higher.
 */
export function divergencePoint(
  local: EpochHistory,
  localEndLsn: number,
  other: readonly EpochRun[],
  otherEndLsn: number,
  floor: number,
): number {
  let agreed = floor
  for (let index = 0; index < other.length; index++) {
    const run = other[index]!
    const localStart = local.startOf(run.epoch)
    if (localStart < 0) continue
    const otherEnd = Math.min(other[index + 1]?.startLsn ?? Infinity, otherEndLsn)
    const localEnd = Math.min(local.runEndAfter(localStart), localEndLsn)
    const end = Math.min(otherEnd, localEnd)
    if (end > agreed && end >= Math.max(run.startLsn, localStart)) agreed = end
  }
  return agreed
}

/**
 * A history as it goes on the wire: at most MAX_REPLICATION_HISTORY_RUNS runs, the newest. An
 * epoch run is one election that wrote, so the bound is reached only after thousands of them;
 * past it the oldest runs are left out. That is safe for both uses: a receiver of a checkpoint
 * needs only the runs its log will hold (the newest), and a primary finding a divergence point
 * claims agreement only on epochs both histories show, falling back to the follower's commit
 * LSN (always agreed); a follower whose agreement lay in a left-out epoch is sent more than it
 * strictly needed, and keeps what it has (log matching skips records it already holds).
 */
export function wireHistory(runs: readonly EpochRun[]): readonly EpochRun[] {
  if (runs.length <= MAX_REPLICATION_HISTORY_RUNS) return runs
  return runs.slice(runs.length - MAX_REPLICATION_HISTORY_RUNS)
}
