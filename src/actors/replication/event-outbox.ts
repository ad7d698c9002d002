/**
 * The replication worker's events on their way to the main thread: one message per turn on a
 * port of their own, pushed (a standing comlink request cost this thread one more wake-up per
 * event batch, that is per put on a follower, to receive the next request).
 *
 * A follower's 'write' event, and every event after it (order is kept), waits until the
 * journal has its records durable. The main thread's part (adopt the records, apply them to
 * the hot standby engine) is off the ack path but costs about as much CPU as the ack path
 * itself: sent at once, it ran beside the journal's write and fdatasync and the answer to the
 * primary, on two cores. Sent after the durable advance (and after the answer left), it runs
 * while the primary commits. Nothing waits on it: the records are in the journal's ring
 * already, and a cut or a role change behind them waits at most one fdatasync longer.
 *
 * Only from the first such write on: a cut queued before it goes at once, because records
 * after a cut reach the journal only once the main thread has done the cut (verbatim-feed.ts),
 * so holding the cut behind them would never end.
 */
import type { ReplicationEvent } from './messages.js'
import { endOfRecords } from './log-source.js'

interface Queued {
  readonly event: ReplicationEvent
  /** The event (and those after it) goes once the journal's durable end reaches this LSN. */
  readonly holdUntilLsn: number
}

export class EventOutbox {
  private queue: Queued[] = []
  private flushQueued = false

  constructor(
    private readonly send: (events: ReplicationEvent[]) => void,
    /** The local journal's durable end LSN now. */
    private readonly durableEndLsn: () => number,
  ) {}

  post(event: ReplicationEvent): void {
    const holdUntilLsn = event.type === 'write' ? endOfRecords(event.records) : 0
    this.queue.push({ event, holdUntilLsn })
    this.flushSoon()
  }

  /**
   * Sends what may go, after this turn's microtasks queued so far (a link's uncork among them,
   * so an answer to the primary leaves before the main thread is woken). Called by post() and
   * whenever the journal's durable end moves.
   */
  flushSoon(): void {
    if (this.flushQueued || this.queue.length === 0) return
    this.flushQueued = true
    queueMicrotask(() => this.flush())
  }

  /** Events queued and not yet sent, for status. */
  get queued(): number {
    return this.queue.length
  }

  private flush(): void {
    this.flushQueued = false
    const durable = this.durableEndLsn()
    let ready = 0
    while (ready < this.queue.length && this.queue[ready]!.holdUntilLsn <= durable) ready++
    if (ready === 0) return
    const taken = this.queue.splice(0, ready)
    this.send(taken.map((queued) => queued.event))
  }
}
