/**
 * A progress bar for long command-line work (amqsblst's blasts in the demo, qmq-bench's run
 * plan; resync and checkpoint transfer once HA has them). The text is a pure function, so it
 * is tested without a terminal; the drawing redraws one line in place with a carriage return,
 * at most every PROGRESS_REDRAW_INTERVAL_MS, and only on a terminal: piped output (CI, tests,
 * files) gets no bar at all.
 *
 *   [##########..........]  50%  50,000/100,000 messages  ETA 3 s
 */
import { assert } from '../assert.js'
import { PROGRESS_BAR_WIDTH, PROGRESS_REDRAW_INTERVAL_MS } from '../constants.js'

export function formatProgress(
  done: number,
  total: number,
  elapsedMs: number,
  unit: string,
  width = PROGRESS_BAR_WIDTH,
): string {
  assert(total > 0 && done >= 0, 'progress of a positive total')
  const ratio = Math.min(1, done / total)
  const filled = Math.round(ratio * width)
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`
  const percent = `${Math.floor(ratio * 100)}%`.padStart(4)
  const counts = `${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${unit}`
  return `${bar} ${percent}  ${counts}${eta(ratio, elapsedMs)}`
}

function eta(ratio: number, elapsedMs: number): string {
  if (ratio <= 0 || ratio >= 1 || elapsedMs <= 0) return ''
  const remainingSeconds = ((elapsedMs / ratio) * (1 - ratio)) / 1_000
  return `  ETA ${Math.ceil(remainingSeconds)} s`
}

export interface ProgressStream {
  readonly isTTY?: boolean
  write(text: string): unknown
}

export class ProgressBar {
  private readonly startedMs: number
  private lastDrawMs = -Infinity
  private drawn = false

  constructor(
    private readonly stream: ProgressStream,
    private readonly total: number,
    private readonly unit: string,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.startedMs = now()
  }

  update(done: number): void {
    if (this.stream.isTTY !== true || this.total <= 0) return
    const nowMs = this.now()
    if (nowMs - this.lastDrawMs < PROGRESS_REDRAW_INTERVAL_MS) return
    this.lastDrawMs = nowMs
    this.drawn = true
    this.stream.write(`\r${formatProgress(done, this.total, nowMs - this.startedMs, this.unit)}`)
  }

  /** Clears the bar's line, so what is printed next starts on a clean line. */
  finish(): void {
    if (!this.drawn) return
    this.stream.write('\r\u001b[2K')
    this.drawn = false
  }
}
