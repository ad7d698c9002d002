/**
 * The expiry sweeper: expired messages leave their queue (and CURDEPTH drops) even if no get
 * ever meets them. One timer for the whole engine, never one per message; each tick examines at
 * most EXPIRY_SWEEP_SLOTS_PER_TICK slots over all queues, resuming where the last tick stopped.
 *
 * No journal record is written, as for expiry met by a get: a message's expiry is a function of
 * its PUT record (put time + interval) and the clock, so the state is still "every record
 * applied, then expiry at the current time". After a restart, replay brings back only messages
 * the checkpoint still held; the queue manager sweeps every queue completely once recovery is
 * done (sweepAll), before any application connects, so CURDEPTH is right from the first
 * DISPLAY. Writing a record per expiry would turn an expiry storm into log writes and fsyncs
 * for no gain in correctness. A replica applying the same records derives the same expiries
 * from its own clock.
 */
import { assert } from '../assert.js'
import { EXPIRY_SWEEP_INTERVAL_MS, EXPIRY_SWEEP_SLOTS_PER_TICK } from '../constants.js'
import type { EngineState } from './engine-state.js'
import type { Timers } from './get-waiter.js'

export class ExpirySweeper {
  /** Queue id the next tick starts with. */
  private nextQueueId = 0
  private timer: unknown
  private running = false

  constructor(
    private readonly state: EngineState,
    private readonly now: () => number,
    private readonly timers: Timers,
  ) {}

  start(): void {
    if (this.running) return
    this.running = true
    this.schedule()
  }

  stop(): void {
    this.running = false
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer)
    this.timer = undefined
  }

  /**
   * One tick: up to `budget` slots, queue after queue in id order from where the last tick
   * stopped. Returns the slots examined.
   */
  tick(budget = EXPIRY_SWEEP_SLOTS_PER_TICK): number {
    assert(budget > 0, 'expiry sweeper: a positive budget')
    const nowMs = this.now()
    const queues = [...this.state.queuesById.values()].sort((a, b) => a.queueId - b.queueId)
    const first = queues.findIndex((queue) => queue.queueId >= this.nextQueueId)
    let examined = 0
    for (let step = 0; step < queues.length && examined < budget; step++) {
      const queue = queues[(Math.max(first, 0) + step) % queues.length]!
      examined += queue.sweepExpired(nowMs, budget - examined)
      // A queue whose pass is not finished is where the next tick resumes.
      this.nextQueueId = queue.sweepAtStart ? queue.queueId + 1 : queue.queueId
      if (!queue.sweepAtStart) break
    }
    return examined
  }

  /** Every slot of every queue, at once (end of recovery). */
  sweepAll(): void {
    const nowMs = this.now()
    for (const queue of this.state.queuesById.values()) {
      queue.sweepExpired(nowMs, Number.MAX_SAFE_INTEGER, true)
    }
  }

  private schedule(): void {
    const timer = this.timers.setTimeout(() => {
      this.timer = undefined
      if (!this.running) return
      this.tick()
      this.schedule()
    }, EXPIRY_SWEEP_INTERVAL_MS)
    // The sweeper alone must not keep a process alive.
    ;(timer as { unref?: () => void } | undefined)?.unref?.()
    this.timer = timer
  }
}
