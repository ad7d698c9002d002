/**
 * When copy-forward compaction runs and what it moves: pure arithmetic over LSNs, so the bound it
 * keeps can be tested without a log. See docs/architecture.md section 5.
 *
 * With C the checkpoint interval: nothing happens while the newest checkpoint's floor is within
 * TRIGGER·C of the log end. Past that, every available persistent message below
 * end − TARGET·C is rewritten at the log end, unless the live bytes there exceed MAX_LIVE_FRACTION
 * of that stretch of log (then the log is mostly live data and is bounded by it instead).
 */
import {
  LOG_COMPACTION_MAX_LIVE_FRACTION,
  LOG_COMPACTION_RETRY_INTERVALS,
  LOG_COMPACTION_TARGET_INTERVALS,
  LOG_COMPACTION_TRIGGER_INTERVALS,
} from '../constants.js'

export interface CompactionInputs {
  readonly endLsn: number
  /** Floor of the newest checkpoint: min(its LSN, oldest live message then). */
  readonly floorLsn: number
  readonly checkpointIntervalBytes: number
  /** Log end when the last pass finished, or -Infinity before the first. */
  readonly lastPassEndLsn: number
}

/** The LSN below which messages should move, or undefined when no pass is due. */
export function compactionTarget(inputs: CompactionInputs): number | undefined {
  const { endLsn, floorLsn, checkpointIntervalBytes } = inputs
  if (endLsn - floorLsn <= LOG_COMPACTION_TRIGGER_INTERVALS * checkpointIntervalBytes) {
    return undefined
  }
  if (endLsn - inputs.lastPassEndLsn < LOG_COMPACTION_RETRY_INTERVALS * checkpointIntervalBytes) {
    return undefined
  }
  return endLsn - LOG_COMPACTION_TARGET_INTERVALS * checkpointIntervalBytes
}

/** True when moving `liveBytes` out of [floorLsn, targetLsn) frees at least as much as it costs. */
export function worthMoving(liveBytes: number, floorLsn: number, targetLsn: number): boolean {
  return liveBytes <= LOG_COMPACTION_MAX_LIVE_FRACTION * Math.max(0, targetLsn - floorLsn)
}
