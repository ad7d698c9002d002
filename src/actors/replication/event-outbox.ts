/**
 * The replication worker's events on their way to the main thread: one message per turn on a
 * port of their own, pushed (a standing comlink request cost this thread one more wake-up per
 * event batch, that is per put on a follower, to receive the next request).
 *
 * A follower's 'write' events, and every event after them (order is kept), wait until the
 * journal has their records durable. The main thread's part (adopt the records, apply them to
 * the hot standby engine) is off the ack path but is about as much CPU as the ack path itself:
 * sent at once, it ran beside the journal's write and fdatasync and the answer to the primary,
 * on two cores. Sent after the durable advance (and after the answer left), it runs while the
 * primary commits. Nothing waits on it: the records are in the journal's ring already, and a
 * cut or a role change behind them waits at most one fdatasync longer.
 */
import type { ReplicationEvent } from './messages.js'
import { endOfRecords } from './log-source.js'

export class EventOutbox {
  private events: ReplicationEvent[] = []
  /** The queued events go once the journal's durable end reaches this LSN. */
  private holdUntilLsn = 0
  private flushQueued = false

  constructor(
    private readonly send: (events: ReplicationEvent[]) => void,
    /** The local journal's durable end LSN now. */
    private readonly durableEndLsn: () => number,
  ) {}

  post(event: ReplicationEvent): void {
    if (event.type === 'write') {
      this.holdUntilLsn = Math.max(this.holdUntilLsn, endOfRecords(event.records))
    }
    this.events.push(event)
    this.flushSoon()
  }

  /**
   * Sends what may go, after this turn's microtasks queued so far (a link's uncork among them,
   * so an answer to the primary leaves before the main thread is woken). Called by post() and
   * whenever the journal's durable end moves.
   */
  flushSoon(): void {
    if (this.flushQueued || this.events.length === 0) return
    this.flushQueued = true
    queueMicrotask(() => this.flush())
  }

  /** Events queued and not yet sent, for status. */
  get queued(): number {
    return this.events.length
  }

  private flush(): void {
    this.flushQueued = false
    if (this.events.length === 0 || this.durableEndLsn() < this.holdUntilLsn) return
    const taken = this.events
    this.events = []
    this.holdUntilLsn = 0
    this.send(taken)
  }
}
