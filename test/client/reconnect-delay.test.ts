/**
 * Goal: reconnect delays grow exponentially to the cap, jittered within [half, all] of it, and
 * the loop gives up with 2548 once the next delay would pass its deadline.
 * Method: fast-check over attempts and random values; the loop with a zero timeout.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { reconnectDelayMs, reconnectLoop } from '../../src/client/reconnect.js'
import {
  CLIENT_RECONNECT_DELAY_INITIAL_MS,
  CLIENT_RECONNECT_DELAY_MAX_MS,
} from '../../src/constants.js'
import { Reason } from '../../src/errors.js'
import { expectReason } from './helpers.js'

describe('reconnect delays', () => {
  it('stay within half and all of the capped exponential', () => {
    const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), unit, (attempt, random) => {
        const ceiling = Math.min(
          CLIENT_RECONNECT_DELAY_INITIAL_MS * 2 ** Math.min(attempt, 30),
          CLIENT_RECONNECT_DELAY_MAX_MS,
        )
        const delay = reconnectDelayMs(attempt, () => random)
        expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2))
        expect(delay).toBeLessThanOrEqual(ceiling)
      }),
    )
  })

  it('give up with 2548 when no attempt fits the timeout', async () => {
    let attempts = 0
    const loop = reconnectLoop(
      async () => {
        attempts += 1
        return 'never'
      },
      0,
      new AbortController().signal,
    )
    await expectReason(loop, Reason.RECONNECT_FAILED)
    expect(attempts).toBe(0)
  })
})
