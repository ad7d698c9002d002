/**
 * Slowing down password guessing: every refusal is answered only after AUTH_FAILURE_DELAY_MS,
 * and an address with AUTH_FAILURES_PER_ADDRESS_MAX failures inside AUTH_FAILURE_WINDOW_MS is
 * refused outright (without a password check) until its oldest failure leaves the window. Pure
 * apart from the injected clock, so the window is a table test. Memory is bounded: at most
 * AUTH_TRACKED_ADDRESSES_MAX addresses are remembered, the least recently failed forgotten.
 */
import { assert } from '../assert.js'
import {
  AUTH_FAILURE_WINDOW_MS,
  AUTH_FAILURES_PER_ADDRESS_MAX,
  AUTH_TRACKED_ADDRESSES_MAX,
} from '../constants.js'

export interface ThrottleLimits {
  readonly failuresMax: number
  readonly windowMs: number
  readonly addressesMax: number
}

export const DEFAULT_THROTTLE_LIMITS: ThrottleLimits = {
  failuresMax: AUTH_FAILURES_PER_ADDRESS_MAX,
  windowMs: AUTH_FAILURE_WINDOW_MS,
  addressesMax: AUTH_TRACKED_ADDRESSES_MAX,
}

export class AuthThrottle {
  /** Failure times per address, oldest first; Map order is least recently failed first. */
  private readonly failures = new Map<string, number[]>()

  constructor(
    private readonly now: () => number = Date.now,
    private readonly limits: ThrottleLimits = DEFAULT_THROTTLE_LIMITS,
  ) {
    assert(limits.failuresMax > 0 && limits.windowMs > 0, 'throttle limits are positive')
  }

  /** True when `address` has used up its failures: refuse without checking a password. */
  isBlocked(address: string): boolean {
    return this.recent(address).length >= this.limits.failuresMax
  }

  recordFailure(address: string): void {
    const times = this.recent(address)
    times.push(this.now())
    this.failures.delete(address)
    this.failures.set(address, times)
    if (this.failures.size > this.limits.addressesMax) {
      const oldest = this.failures.keys().next().value
      if (oldest !== undefined) this.failures.delete(oldest)
    }
  }

  /** A success does not forget failures: a guesser that finds one password keeps its count. */
  get trackedAddresses(): number {
    return this.failures.size
  }

  private recent(address: string): number[] {
    const times = this.failures.get(address)
    if (times === undefined) return []
    const since = this.now() - this.limits.windowMs
    while (times.length > 0 && times[0]! <= since) times.shift()
    if (times.length === 0) this.failures.delete(address)
    return times
  }
}
