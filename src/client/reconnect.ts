/**
 * Automatic reconnection (MQCNO_RECONNECT) after a connection breaks: one dial loop at a time
 * per connection (single flight: every call made meanwhile waits for the same outcome), trying
 * the whole connection-name list per attempt, with exponentially growing, jittered delays, until
 * it succeeds or `timeoutMs` has passed, when it fails with 2548 RECONNECT_FAILED.
 *
 * Delays: attempt n waits between half and all of min(initial * 2^n, max). The first attempt
 * waits too, like MQ's ReconDelay: a queue manager that just failed over needs a moment, and a
 * crowd of clients must not all dial in the same millisecond.
 */
import { CLIENT_RECONNECT_DELAY_INITIAL_MS, CLIENT_RECONNECT_DELAY_MAX_MS } from '../constants.js'
import { CompCode, MQError, Reason } from '../errors.js'
import { sleep } from './cancellation.js'
import { hasReason } from './failures.js'

export interface ReconnectOptions {
  /** Give up after this long (MQ's MQReconnectTimeout); default 30 minutes. */
  readonly timeoutMs?: number
  /**
   * Told of progress, as MQ's event handler: 2544 RECONNECTING (WARNING, with the break as
   * `cause`), 2545 RECONNECTED (WARNING), 2548 RECONNECT_FAILED (FAILED, connection over).
   */
  readonly onEvent?: (event: MQError) => void
}

/** The delay before attempt `attempt` (0-based); `random` is in [0, 1). */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const exponent = Math.min(attempt, 30)
  const ceilingMs = Math.min(
    CLIENT_RECONNECT_DELAY_INITIAL_MS * 2 ** exponent,
    CLIENT_RECONNECT_DELAY_MAX_MS,
  )
  return Math.round(ceilingMs / 2 + (random() * ceilingMs) / 2)
}

/**
 * Calls `attemptOnce` until it resolves, sleeping between attempts. An attempt that fails with
 * 2548 ends the loop at once (it reached a queue manager but could not restore the handles).
 */
export async function reconnectLoop<T>(
  attemptOnce: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  signal: AbortSignal,
  random: () => number = Math.random,
): Promise<T> {
  const deadlineMs = performance.now() + timeoutMs
  let lastError: unknown
  for (let attempt = 0; ; attempt += 1) {
    const delayMs = reconnectDelayMs(attempt, random)
    if (performance.now() + delayMs > deadlineMs) {
      const detail = `gave up after ${attempt} attempts in ${timeoutMs} ms`
      throw new MQError(Reason.RECONNECT_FAILED, detail, CompCode.FAILED, { cause: lastError })
    }
    await sleep(delayMs, signal)
    try {
      return await attemptOnce(signal)
    } catch (error) {
      if (signal.aborted) throw signal.reason
      if (hasReason(error, Reason.RECONNECT_FAILED)) throw error
      lastError = error
    }
  }
}
