/**
 * What each half of the default suite's 1,000 HA seeds must show (seeds-1 and seeds-2 run one
 * half each, so vitest spreads them over two workers): no violation, and the checks had
 * something to check.
 */
import { expect } from 'vitest'
import type { SeedRun } from './seeds.js'

export function expectHaHalf(run: SeedRun): void {
  expect(run.failures).toEqual([])
  expect(run.checked).toBe(500)
  // Work acknowledged, faults injected, engines compared.
  expect(run.ackedPuts).toBeGreaterThan(10_000)
  expect(run.crashes).toBeGreaterThan(100)
  expect(run.partitions).toBeGreaterThan(100)
  expect(run.engineComparisons).toBeGreaterThan(1_000)
  // Members catching up were sent their ranges in parts (the APPEND limit).
  expect(run.appendParts).toBeGreaterThan(1_000)
  // Frozen primaries were deposed while frozen (and committed nothing on thawing).
  expect(run.pauses).toBeGreaterThan(100)
  expect(run.pausedPrimariesDeposed).toBeGreaterThan(20)
}
