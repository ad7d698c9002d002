/**
 * Getters waiting for a message (MQGMO_WAIT). Each waiter holds an `attempt` that re-runs the
 * whole get (selection, lock or removal, journal record) and returns undefined while nothing
 * matches. A queue wakes its waiters, oldest first, on a microtask after it gains an available
 * message (a put, a commit, a backout), never inside the state change itself: the attempt may
 * append a record, and appending from inside apply() would interleave two records' effects.
 *
 * A waiter ends in one of five ways: its attempt returns a result; its attempt throws (the
 * reason, e.g. 2024); the timer runs out (one last attempt, then 2033); its AbortSignal fires
 * (rejects with the signal's reason, an AbortError DOMException unless the caller gave one); or
 * the queue rejects it (2016 GET disabled, 2052 deleted, 2161 quiescing, 2059 failed, 2019 handle
 * closed).
 */
import { assert } from '../assert.js'
import { MAX_WAIT_MS } from '../constants.js'
import { MQError, Reason } from '../errors.js'

/** The timer functions a waiter uses; injected so tests control time. */
export interface Timers {
  setTimeout(callback: () => void, delayMs: number): unknown
  clearTimeout(timer: unknown): void
}

export const SYSTEM_TIMERS: Timers = {
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
}

export interface WaitRequest<Result> {
  /** What closing rejects the waiter: the handle that issued the get. */
  readonly owner: object
  readonly attempt: () => Promise<Result> | undefined
  /** > 0; MAX_WAIT_MS or more (or Infinity) waits without a timer. */
  readonly waitMs: number
  readonly signal: AbortSignal | undefined
  readonly timers: Timers
}

interface Waiter {
  readonly owner: object
  /** Runs the attempt; true once the waiter has settled (resolved or rejected). */
  attempt(): boolean
  reject(error: unknown): void
}

export class WaiterList {
  /** Insertion order is arrival order: the oldest waiter gets the first chance. */
  private readonly waiters = new Set<Waiter>()
  private wakeScheduled = false

  get size(): number {
    return this.waiters.size
  }

  wait<Result>(request: WaitRequest<Result>): Promise<Result> {
    assert(request.waitMs > 0, 'waiter: a wait has a positive interval')
    return new Promise<Result>((resolve, reject) => {
      let timer: unknown
      const settle = (): void => {
        this.waiters.delete(waiter)
        if (timer !== undefined) request.timers.clearTimeout(timer)
        request.signal?.removeEventListener('abort', onAbort)
      }
      const waiter: Waiter = {
        owner: request.owner,
        attempt: () => {
          let result: Promise<Result> | undefined
          try {
            result = request.attempt()
          } catch (error) {
            settle()
            reject(error)
            return true
          }
          if (result === undefined) return false
          settle()
          resolve(result)
          return true
        },
        reject: (error) => {
          settle()
          reject(error)
        },
      }
      const onAbort = (): void => waiter.reject(request.signal?.reason)
      this.waiters.add(waiter)
      request.signal?.addEventListener('abort', onAbort, { once: true })
      if (request.waitMs < MAX_WAIT_MS) {
        timer = request.timers.setTimeout(() => {
          timer = undefined
          if (!waiter.attempt()) {
            waiter.reject(new MQError(Reason.NO_MSG_AVAILABLE, 'no matching message in time'))
          }
        }, request.waitMs)
      }
    })
  }

  /** Schedules one pass over the waiters after the current synchronous work. */
  scheduleWake(): void {
    if (this.wakeScheduled || this.waiters.size === 0) return
    this.wakeScheduled = true
    queueMicrotask(() => {
      this.wakeScheduled = false
      for (const waiter of [...this.waiters]) {
        if (this.waiters.has(waiter)) waiter.attempt()
      }
    })
  }

  rejectAll(error: MQError): void {
    for (const waiter of [...this.waiters]) waiter.reject(error)
  }

  rejectOwnedBy(owner: object, error: MQError): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.owner === owner) waiter.reject(error)
    }
  }
}
