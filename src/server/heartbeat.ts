/**
 * Idle detection for one connection, as MQ's HBINT and nats' heartbeats.ts: after one interval
 * in which nothing arrived, send PING; once SERVER_HEARTBEAT_DEAD_AFTER_INTERVALS intervals have
 * passed in silence (the PING, and a second one, unanswered for two intervals), the peer is gone.
 *
 *   heard ──interval──> PING ──interval──> PING ──interval──> silent: close
 *     ^ any byte from the peer (a PONG, a request) restarts the count
 *
 * The heartbeat sees the connection only through HeartbeatPeer. While the server itself has
 * stopped reading (too many requests in flight), silence is not the peer's fault and does not
 * count: the peer may well be answering, into a socket nobody reads.
 */
import { assert } from '../assert.js'
import { MAX_WAIT_MS, SERVER_HEARTBEAT_DEAD_AFTER_INTERVALS } from '../constants.js'

export interface HeartbeatPeer {
  /** False while the server holds the socket paused for its own reasons. */
  isListening(): boolean
  sendPing(): void
  /** Called once; the heartbeat has stopped. */
  onSilent(silenceMs: number): void
}

export class Heartbeat {
  private lastHeardMs: number
  private lastPingMs = -Infinity
  private timer: NodeJS.Timeout | undefined
  private stopped = false

  constructor(
    private readonly intervalMs: number,
    private readonly peer: HeartbeatPeer,
    private readonly now: () => number = () => performance.now(),
  ) {
    assert(Number.isFinite(intervalMs) && intervalMs > 0, 'heartbeat: a positive interval')
    this.lastHeardMs = now()
  }

  heard(): void {
    this.lastHeardMs = this.now()
  }

  start(): void {
    assert(!this.stopped, 'heartbeat: not restarted after stop')
    this.arm(this.intervalMs)
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
    // A heartbeat must never be what keeps a process alive.
    this.timer.unref()
  }

  private check(): void {
    const nowMs = this.now()
    if (!this.peer.isListening()) this.lastHeardMs = nowMs
    const silenceMs = nowMs - this.lastHeardMs
    const deadAtMs = this.lastHeardMs + this.intervalMs * SERVER_HEARTBEAT_DEAD_AFTER_INTERVALS
    if (nowMs >= deadAtMs) {
      this.confirmSilence(silenceMs)
      return
    }
    if (silenceMs >= this.intervalMs && nowMs - this.lastPingMs >= this.intervalMs) {
      this.lastPingMs = nowMs
      this.peer.sendPing()
    }
    const nextPingMs = Math.max(this.lastHeardMs, this.lastPingMs) + this.intervalMs
    this.arm(Math.min(nextPingMs, deadAtMs) - nowMs)
  }

  /**
   * Timers run before the poll phase: after a stalled event loop, bytes the peer sent in time
   * may still wait unread in the socket. Decide only after one poll phase has read them.
   */
  private confirmSilence(silenceMs: number): void {
    const heardBefore = this.lastHeardMs
    setImmediate(() => {
      if (this.stopped) return
      if (this.lastHeardMs !== heardBefore) {
        this.check()
        return
      }
      this.stop()
      this.peer.onSilent(silenceMs)
    })
  }
}
