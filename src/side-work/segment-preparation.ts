/**
 * Prepares the journal's next segment in the side-work pool, one task at a time and only the
 * newest one wanted. Queueing one task per opened segment let the pool fall behind when segments
 * fill faster than it zero-fills them (1 MiB segments at ~35 MB/s, two fdatasyncs each): tasks
 * for long-retired segments then ran late, re-created those segments (log on disk over its
 * bound until the next checkpoint retired them again), raced the journal worker for the same
 * spare file, and queued checkpoint writes behind them. Here a backlog collapses to one task.
 */
import type { SideWorkPool } from './pool.js'

export interface SegmentPreparationTarget {
  readonly directory: string
  readonly segmentBytes: number
}

export class SegmentPreparation {
  private wanted = -1
  private prepared = -1
  private running = false

  constructor(
    private readonly pool: Pick<SideWorkPool, 'prepareSegment'>,
    private readonly target: SegmentPreparationTarget,
    private readonly onError: (error: unknown, segmentIndex: number) => void,
  ) {}

  /** The journal opened `segmentIndex` for writing: the one after it is wanted next. */
  opened(segmentIndex: number): void {
    this.wanted = Math.max(this.wanted, segmentIndex + 1)
    this.next()
  }

  /** Segment last asked of the pool (tests). */
  get lastRequested(): number {
    return this.prepared
  }

  private next(): void {
    if (this.running || this.wanted <= this.prepared) return
    const segmentIndex = this.wanted
    this.prepared = segmentIndex
    this.running = true
    this.pool
      // Only the task's fields: the journal passes its whole options object as the target, and
      // its supervisor and logger cannot be cloned into the pool (DataCloneError, every time).
      .prepareSegment({
        directory: this.target.directory,
        segmentBytes: this.target.segmentBytes,
        segmentIndex,
      })
      .catch((error: unknown) => this.onError(error, segmentIndex))
      .finally(() => {
        this.running = false
        this.next()
      })
  }
}
