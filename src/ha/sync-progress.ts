/**
 * A catching-up node's "HA synchronization progress" and "HA estimated time to completion"
 * (rdqm.md section 1), from samples each node keeps of its own durable LSN (one per
 * housekeeping, HA_SYNC_SAMPLES of them) and the LSN it had when its member opened. Pure.
 *
 *   progress  how much of the gap it had at open it has closed:
 *             (durable - fromLsn) / (target - fromLsn), 0..100 %
 *   ETA       now + remaining / closing rate, where the closing rate is the node's durable rate
 *             over its samples less the primary's log-end rate over its own; none while the gap
 *             does not close (or fewer than two samples)
 *
 * A checkpoint install moves the durable LSN in one jump (the whole checkpoint at once), so the
 * progress of an installing node stays where it was until the member reopens.
 */
import { HA_SYNC_SAMPLES } from '../constants.js'

export interface LsnSample {
  readonly atMs: number
  readonly lsn: number
}

/** Samples of one member's durable LSN, oldest first, at most HA_SYNC_SAMPLES. */
export class LsnSamples {
  private readonly samples: LsnSample[] = []
  fromLsn: number | undefined

  /** The member (re)opened: progress counts from its LSN at the next sample. */
  restart(): void {
    this.samples.length = 0
    this.fromLsn = undefined
  }

  add(atMs: number, lsn: number): void {
    this.fromLsn ??= lsn
    this.samples.push({ atMs, lsn })
    if (this.samples.length > HA_SYNC_SAMPLES) this.samples.shift()
  }

  get all(): readonly LsnSample[] {
    return this.samples
  }
}

/** Bytes per millisecond over the samples; undefined with fewer than two. */
export function rateOf(samples: readonly LsnSample[]): number | undefined {
  const first = samples[0]
  const last = samples.at(-1)
  if (first === undefined || last === undefined || last.atMs <= first.atMs) return undefined
  return (last.lsn - first.lsn) / (last.atMs - first.atMs)
}

/** Percent of the gap at open closed, one decimal place. */
export function syncProgressPercent(fromLsn: number, durableLsn: number, targetLsn: number) {
  if (targetLsn <= fromLsn) return 100
  const done = (durableLsn - fromLsn) / (targetLsn - fromLsn)
  return Math.round(Math.min(1, Math.max(0, done)) * 1000) / 10
}

/** When the gap closes at the present rates (epoch ms), or undefined if it does not close. */
export function estimatedCompletionMs(
  nowMs: number,
  remainingBytes: number,
  peer: readonly LsnSample[],
  primary: readonly LsnSample[],
): number | undefined {
  const peerRate = rateOf(peer)
  if (peerRate === undefined) return undefined
  const closing = peerRate - (rateOf(primary) ?? 0)
  if (closing <= 0) return undefined
  return nowMs + Math.round(Math.max(0, remainingBytes) / closing)
}
