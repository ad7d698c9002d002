/**
 * Dead-peer detection for one session, as MQ's HBINT and nats' heartbeats.ts: after an interval
 * in which nothing arrived, send PING; each further silent interval sends another; once
 * CLIENT_HEARTBEATS_MISSED_LIMIT of them are unanswered when the next falls due, the queue
 * manager is gone and the session ends with 2009.
 *
 *   heard ──interval──> PING ──interval──> PING ──interval──> dead (2 missed)
 *     ^ any frame from the server (a PONG, a reply, its own PING) restarts the count
 *
 * It sees the session only through HeartbeatPort, so it can be tested on its own.
 */
import { assert } from '../assert.js'
import { CLIENT_HEARTBEATS_MISSED_LIMIT, MAX_WAIT_MS } from '../constants.js'

export interface HeartbeatPort {
  sendPing(): void
  /** Called once, after which the heartbeat has stopped. */
  declareDead(missedCount: number): void
}

export class Heartbeat {
  private lastHeardMs: number
  private missedCount = 0
  private timer: NodeJS.Timeout | undefined
  private stopped = false

  constructor(
    private readonly intervalMs: number,
    private readonly port: HeartbeatPort,
    private readonly missedLimit = CLIENT_HEARTBEATS_MISSED_LIMIT,
    private readonly now: () => number = () => performance.now(),
  ) {
    assert(Number.isFinite(intervalMs) && intervalMs > 0, 'heartbeat: a positive interval')
    assert(Number.isInteger(missedLimit) && missedLimit >= 1, 'heartbeat: a missed limit')
    this.lastHeardMs = now()
  }

  heard(): void {
    this.lastHeardMs = this.now()
    this.missedCount = 0
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
    // The socket keeps the process alive while the connection is open, never the heartbeat.
    this.timer.unref()
  }

  private check(): void {
    const silenceMs = this.now() - this.lastHeardMs
    if (silenceMs < this.intervalMs) {
      this.arm(this.intervalMs - silenceMs)
      return
    }
    if (this.missedCount >= this.missedLimit) {
      this.stop()
      this.port.declareDead(this.missedCount)
      return
    }
    this.missedCount += 1
    this.port.sendPing()
    this.arm(this.intervalMs)
  }
}
