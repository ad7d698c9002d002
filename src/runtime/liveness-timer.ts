/**
 * Drives a LivenessTracker with Node's timers for one connection, whatever its transport: it
 * sees the connection only through LivenessPort (send a PING, are we reading, the peer is dead).
 *
 * Timers run before the poll phase: after a stalled event loop, bytes the peer sent in time
 * may still wait unread in the socket. So a "dead" verdict is confirmed only after one poll
 * phase (setImmediate) has had the chance to read them.
 */
import { assert } from '../assert.js'
import { MAX_WAIT_MS } from '../constants.js'
import { LivenessTracker } from './liveness.js'

export interface LivenessPort {
  sendPing(): void
  /** False while we hold the connection unread for our own reasons (flow control). */
  isListening?(): boolean
  /** Called once; the timer has stopped. */
  declareDead(silenceMs: number): void
}

export class LivenessTimer {
  private readonly tracker: LivenessTracker
  private timer: NodeJS.Timeout | undefined
  private stopped = false

  constructor(
    intervalMs: number,
    private readonly port: LivenessPort,
    private readonly now: () => number = () => performance.now(),
    deadAfterIntervals?: number,
  ) {
    this.tracker = new LivenessTracker(intervalMs, now(), deadAfterIntervals)
  }

  heard(): void {
    this.tracker.heard(this.now())
  }

  start(): void {
    assert(!this.stopped, 'liveness timer: not restarted after stop')
    this.arm(this.tracker.intervalMs)
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
    this.timer = undefined
  }

  private arm(delayMs: number): void {
    if (this.stopped) return
    const boundedMs = Math.min(Math.max(1, Math.ceil(delayMs)), MAX_WAIT_MS)
    this.timer = setTimeout(() => this.check(), boundedMs)
    // The connection keeps the process alive while it is open, never its heartbeat.
    this.timer.unref()
  }

  private check(): void {
    const nowMs = this.now()
    if (this.port.isListening?.() === false) this.tracker.excuse(nowMs)
    const verdict = this.tracker.check(nowMs)
    if (verdict.dead) {
      this.confirmDead(verdict.silenceMs)
      return
    }
    if (verdict.ping) this.port.sendPing()
    assert(verdict.nextCheckAtMs !== undefined, 'liveness timer: a live peer is checked again')
    this.arm(verdict.nextCheckAtMs - nowMs)
  }

  private confirmDead(silenceMs: number): void {
    const heardBefore = this.tracker.lastHeardAtMs
    setImmediate(() => {
      if (this.stopped) return
      if (this.tracker.lastHeardAtMs !== heardBefore) {
        this.check()
        return
      }
      this.stop()
      this.port.declareDead(silenceMs)
    })
  }
}
