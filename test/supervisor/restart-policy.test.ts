/**
 * Goal: the restart policy backs off exponentially up to a cap and gives up past the budget,
 * counting only restarts inside the window. Method: table of histories and times.
 */
import { describe, expect, it } from 'vitest'
import { decideRestart, type RestartLimits } from '../../src/actors/supervisor/restart-policy.js'

const limits: RestartLimits = {
  budgetCount: 3,
  budgetWindowMs: 1000,
  backoffInitialMs: 50,
  backoffMaxMs: 150,
}

describe('restart policy', () => {
  it.each([
    { history: [], now: 0, expected: { kind: 'restart', delayMs: 50 } },
    { history: [0], now: 10, expected: { kind: 'restart', delayMs: 100 } },
    { history: [0, 10], now: 20, expected: { kind: 'restart', delayMs: 150 } },
    { history: [0, 10, 20], now: 30, expected: { kind: 'give-up' } },
    // Old restarts fall out of the window and stop counting.
    { history: [0, 10, 20], now: 1015, expected: { kind: 'restart', delayMs: 100 } },
    { history: [0, 10, 20], now: 5000, expected: { kind: 'restart', delayMs: 50 } },
  ])('$history at $now -> $expected.kind', ({ history, now, expected }) => {
    const decision = decideRestart({ restartTimesMs: history }, now, limits)
    expect(decision).toMatchObject(expected)
    if (decision.kind === 'restart') expect(decision.history.restartTimesMs.at(-1)).toBe(now)
  })
})
