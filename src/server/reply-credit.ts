/**
 * Byte credit for one connection's replies: how many reply bytes the server holds for a client
 * at once, whatever it pipelines. Held bytes are the replies queued (outbox and socket) plus the
 * reservations of GETs that have taken a message whose reply is not yet queued.
 *
 * A GET reserves when the engine has chosen its message and knows its real size, before the
 * message is taken (GetOptions.reserve): the reply's frame bytes are reserved if they fit under
 * SERVER_MAX_REPLY_BYTES_OUTSTANDING, else the engine is refused, the message stays on the queue
 * and the GET waits for credit (client-session.ts parks it and issues it again once replies have
 * drained). So small messages pipeline freely, 512 GETs of 4 MiB messages still cannot hold
 * 2 GiB, and a client that stops reading stops taking messages off the queue. Credit is never
 * refused while nothing is held, so one message of any allowed size always gets through.
 */
import { assert } from '../assert.js'
import { MAX_MESSAGE_BYTES } from '../constants.js'
import { maxMessageFrameBytes } from '../wire/client-protocol.js'

/** Thrown into the engine to refuse a message; the session catches it: no client sees it. */
export class CreditRefused extends Error {
  constructor() {
    super('no byte credit for this reply: the message stays queued')
    this.name = 'CreditRefused'
  }
}

export class ReplyCredit {
  /** Bytes reserved by GETs that took a message and have not queued its reply. */
  private reservedBytes = 0
  private refusals = 0

  constructor(
    private readonly limitBytes: number,
    /** Reply bytes queued and not yet taken by the kernel. */
    private readonly queuedBytes: () => number,
  ) {
    assert(limitBytes >= maxMessageFrameBytes(MAX_MESSAGE_BYTES), 'credit: one message fits')
  }

  /** Bytes held now: queued replies plus reservations. */
  get heldBytes(): number {
    return this.queuedBytes() + this.reservedBytes
  }

  get hasRoom(): boolean {
    return this.heldBytes < this.limitBytes
  }

  /** Times a GET was refused a message for want of credit. */
  get refusalCount(): number {
    return this.refusals
  }

  /** One GET's reservation: `reserve` goes to the engine, `release` once its reply is queued. */
  reservation(): Reservation {
    return new Reservation(this)
  }

  /** Reserves `frameBytes` or throws CreditRefused. Nothing held: always granted. */
  take(frameBytes: number): void {
    const held = this.heldBytes
    if (held > 0 && held + frameBytes > this.limitBytes) {
      this.refusals++
      throw new CreditRefused()
    }
    this.reservedBytes += frameBytes
  }

  give(frameBytes: number): void {
    this.reservedBytes -= frameBytes
    assert(this.reservedBytes >= 0, 'credit: reservations balance')
  }
}

export class Reservation {
  private bytes = 0
  /** Set when the engine was refused: the GET must wait for credit and be issued again. */
  refused = false

  constructor(private readonly credit: ReplyCredit) {}

  /** GetOptions.reserve: called by the engine with the chosen message's body length. */
  readonly reserve = (bodyBytes: number): void => {
    assert(this.bytes === 0, 'credit: a GET reserves once')
    const frameBytes = maxMessageFrameBytes(bodyBytes)
    try {
      this.credit.take(frameBytes)
    } catch (error) {
      this.refused = true
      throw error
    }
    this.bytes = frameBytes
  }

  release(): void {
    if (this.bytes === 0) return
    this.credit.give(this.bytes)
    this.bytes = 0
  }
}
