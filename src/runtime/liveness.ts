/**
 * Liveness of a peer, one rule for every connection (client sessions, server sessions, and the
 * replication links to come), after MQ's HBINT and nats' heartbeats.ts. Pure: time is given to
 * every call, nothing here touches a timer or a socket (liveness-timer.ts drives it).
 *
 * The rule. With interval I and D = HEARTBEAT_DEAD_AFTER_INTERVALS (3):
 *   - anything heard from the peer (a PONG, a request, a reply, its own PING) restarts the clock;
 *   - after each whole interval of silence, send PING (at I, 2I, ... after last heard);
 *   - once D intervals have passed in silence, the peer is dead: the PINGs sent after I and 2I
 *     went unanswered for a full interval each.
 *   - while we ourselves are not reading the peer (flow control), silence is not its fault:
 *     `excuse` restarts the clock as if it had been heard.
 *
 *   heard ──I──> PING ──I──> PING ──I──> dead
 *     ^ anything heard restarts the count; so does a pause that is ours
 *
 * `check(now)` says what to do now and when to check again. It never says "dead" before
 * D·I has passed since the peer was last heard, and never sends two PINGs within one interval.
 */
import { assert } from '../assert.js'
import { HEARTBEAT_DEAD_AFTER_INTERVALS } from '../constants.js'

export interface LivenessVerdict {
  /** Send a PING now. */
  readonly ping: boolean
  /** The peer is gone: silent for deadAfterIntervals intervals. */
  readonly dead: boolean
  /** How long the peer has been silent. */
  readonly silenceMs: number
  /** When to check again (absent once dead). */
  readonly nextCheckAtMs: number | undefined
}

export class LivenessTracker {
  private lastHeardMs: number
  private lastPingMs = -Infinity

  constructor(
    readonly intervalMs: number,
    nowMs: number,
    readonly deadAfterIntervals = HEARTBEAT_DEAD_AFTER_INTERVALS,
  ) {
    assert(Number.isFinite(intervalMs) && intervalMs > 0, 'liveness: a positive interval')
    assert(Number.isInteger(deadAfterIntervals), 'liveness: a whole number of intervals')
    assert(deadAfterIntervals >= 2, 'liveness: at least one PING before death')
    this.lastHeardMs = nowMs
  }

  /** When the peer was last heard (or excused). */
  get lastHeardAtMs(): number {
    return this.lastHeardMs
  }

  heard(nowMs: number): void {
    // A clock read earlier than the last one (callers' clocks are monotonic) changes nothing.
    if (nowMs > this.lastHeardMs) this.lastHeardMs = nowMs
  }

  /** We are not reading the peer by our own choice: its silence does not count. */
  excuse(nowMs: number): void {
    this.heard(nowMs)
  }

  check(nowMs: number): LivenessVerdict {
    const silenceMs = Math.max(0, nowMs - this.lastHeardMs)
    const deadAtMs = this.lastHeardMs + this.intervalMs * this.deadAfterIntervals
    if (nowMs >= deadAtMs) {
      return { ping: false, dead: true, silenceMs, nextCheckAtMs: undefined }
    }
    const ping = silenceMs >= this.intervalMs && nowMs - this.lastPingMs >= this.intervalMs
    if (ping) this.lastPingMs = nowMs
    const nextPingAtMs = Math.max(this.lastHeardMs, this.lastPingMs) + this.intervalMs
    const nextCheckAtMs = Math.min(nextPingAtMs, deadAtMs)
    assert(nextCheckAtMs > nowMs, 'liveness: the next check is in the future')
    return { ping, dead: false, silenceMs, nextCheckAtMs }
  }
}
