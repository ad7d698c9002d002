/**
 * Goal: ReplyCredit grants a GET's reply only while the bytes held stay within the limit, always
 * grants when nothing is held, and balances reservations. Method: the pure class with a queued-
 * bytes function the test controls; reservations driven as the engine drives them.
 */
import { describe, expect, it } from 'vitest'
import { CreditRefused, ReplyCredit } from '../../src/server/reply-credit.js'
import { MAX_MESSAGE_BYTES } from '../../src/constants.js'
import { maxMessageFrameBytes } from '../../src/wire/client-protocol.js'

const LIMIT = 2 * maxMessageFrameBytes(MAX_MESSAGE_BYTES)

describe('reply credit', () => {
  it('reserves real sizes until the limit, then refuses and counts the refusal', () => {
    let queued = 0
    const credit = new ReplyCredit(LIMIT, () => queued)
    const small = credit.reservation()
    small.reserve(1024)
    expect(credit.heldBytes).toBe(maxMessageFrameBytes(1024))
    queued = LIMIT - credit.heldBytes - 10
    const large = credit.reservation()
    expect(() => large.reserve(1024)).toThrow(CreditRefused)
    expect(large.refused).toBe(true)
    expect(credit.refusalCount).toBe(1)
    small.release()
    small.release() // idempotent: a GET releases once whatever its path
    expect(credit.heldBytes).toBe(queued)
  })

  it('always grants a message of any allowed size when nothing is held', () => {
    const credit = new ReplyCredit(LIMIT, () => 0)
    const reservation = credit.reservation()
    reservation.reserve(MAX_MESSAGE_BYTES)
    expect(reservation.refused).toBe(false)
    expect(credit.hasRoom).toBe(true)
    reservation.release()
    expect(credit.heldBytes).toBe(0)
  })

  it('has no room once queued replies reach the limit, and room again once they drain', () => {
    let queued = LIMIT
    const credit = new ReplyCredit(LIMIT, () => queued)
    expect(credit.hasRoom).toBe(false)
    expect(() => credit.reservation().reserve(1)).toThrow(CreditRefused)
    queued = 0
    expect(credit.hasRoom).toBe(true)
  })
})
