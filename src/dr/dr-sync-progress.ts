/**
 * Synchronization progress of a DR side, for rdqmstatus: when the out-of-sync figure first
 * exceeds the slack, the backlog at that moment is the 100 %; progress is the share of it sent
 * since, and the estimated time of completion extrapolates the rate since then. Pure: the
 * caller passes the time.
 */
export interface SyncEstimate {
  /** 0..100 */
  readonly percent: number
  /** Epoch milliseconds, or undefined while no rate is known yet. */
  readonly completesAtMs: number | undefined
}

export class DrSyncProgress {
  private baseline: { readonly bytes: number; readonly atMs: number } | undefined

  reset(): void {
    this.baseline = undefined
  }

  /** The backlog now (bytes the other side lacks); undefined when in sync. */
  observe(backlogBytes: number, syncing: boolean, nowMs: number): SyncEstimate | undefined {
    if (!syncing) {
      this.baseline = undefined
      return undefined
    }
    if (this.baseline === undefined || backlogBytes > this.baseline.bytes) {
      this.baseline = { bytes: Math.max(backlogBytes, 1), atMs: nowMs }
    }
    const { bytes, atMs } = this.baseline
    const done = bytes - backlogBytes
    const percent = Math.min(100, Math.max(0, (done / bytes) * 100))
    const elapsedMs = nowMs - atMs
    const completesAtMs =
      done > 0 && elapsedMs > 0 ? nowMs + (backlogBytes / done) * elapsedMs : undefined
    return { percent, completesAtMs }
  }
}
