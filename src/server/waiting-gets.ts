/**
 * GET requests of one connection that may wait (waitMs > 0), by request id, so that CANCEL can
 * end one and closing can end them all. Each carries the AbortSignal handed to the engine's get
 * (the engine rejects a waiting get with the signal's reason) and an `answered` promise that
 * settles only after the GET's reply is queued: CANCEL's OK must follow the GET's own answer.
 *
 * Request ids are the client's choice; if it reuses one while a GET is waiting under it, CANCEL
 * reaches the newest, and closing still reaches every one.
 */
import { assert } from '../assert.js'
import type { MQError } from '../errors.js'

export interface WaitingGet {
  readonly signal: AbortSignal
  /** The GET's reply is queued: CANCELs waiting on it may answer now. */
  answered(): void
}

interface Entry extends WaitingGet {
  readonly controller: AbortController
  readonly settled: Promise<void>
}

const SETTLED = Promise.resolve()

export class WaitingGets {
  private readonly byRequestId = new Map<number, Entry>()
  private readonly all = new Set<Entry>()

  get size(): number {
    return this.all.size
  }

  open(requestId: number): WaitingGet {
    assert(requestId > 0, 'waiting gets: requests carry a non-zero id')
    const controller = new AbortController()
    let resolve!: () => void
    const settled = new Promise<void>((done) => {
      resolve = done
    })
    const entry: Entry = {
      controller,
      signal: controller.signal,
      settled,
      answered: () => {
        this.all.delete(entry)
        if (this.byRequestId.get(requestId) === entry) this.byRequestId.delete(requestId)
        resolve()
      },
    }
    this.byRequestId.set(requestId, entry)
    this.all.add(entry)
    return entry
  }

  /**
   * Ends the wait of the GET under `requestId` with `reason` and resolves once that GET has
   * been answered; at once when no GET waits under that id (already answered, or never sent).
   * A GET past its wait (its message taken, durability pending) is answered with the message.
   */
  cancel(requestId: number, reason: MQError): Promise<void> {
    const entry = this.byRequestId.get(requestId)
    if (entry === undefined) return SETTLED
    entry.controller.abort(reason)
    return entry.settled
  }

  abortAll(reason: MQError): void {
    for (const entry of [...this.all]) entry.controller.abort(reason)
  }
}
