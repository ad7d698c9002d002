import { describe, expect, it } from 'vitest'
import {
  achievedRate,
  dueMessageCount,
  firstSaturatedRate,
  intendedSendTimeMicros,
  isSaturated,
  latencyFromIntendedMicros,
  rateLadder,
  roundToSignificant,
} from '../../bench/measure/open-loop.js'

describe('open-loop schedule', () => {
  it('spaces intended send times by 1 / rate', () => {
    expect(intendedSendTimeMicros(1000, 0, 100)).toBe(1000)
    expect(intendedSendTimeMicros(1000, 1, 100)).toBe(11_000)
    expect(intendedSendTimeMicros(0, 250, 1000)).toBe(250_000)
    expect(intendedSendTimeMicros(0, 3, 3)).toBe(1_000_000)
  })

  it('counts messages due, with the first one due at the start', () => {
    expect(dueMessageCount(5000, 4999, 1000, 10)).toBe(0)
    expect(dueMessageCount(5000, 5000, 1000, 10)).toBe(1)
    expect(dueMessageCount(5000, 5999, 1000, 10)).toBe(1)
    expect(dueMessageCount(5000, 6000, 1000, 10)).toBe(2)
    expect(dueMessageCount(0, 1_000_000, 1000, 10)).toBe(10)
  })

  it('agrees with intended times: message i is due exactly when its time has come', () => {
    const start = 123_456
    const rate = 7777
    for (let index = 0; index < 500; index += 37) {
      const intended = intendedSendTimeMicros(start, index, rate)
      expect(dueMessageCount(start, intended + 1, rate, 1e9)).toBeGreaterThan(index)
      expect(dueMessageCount(start, intended - 1, rate, 1e9)).toBeLessThanOrEqual(index)
    }
  })

  it('charges latency from the intended time, never less than 1 µs', () => {
    expect(latencyFromIntendedMicros(1000, 1500)).toBe(500)
    expect(latencyFromIntendedMicros(1000, 1000)).toBe(1)
    expect(latencyFromIntendedMicros(1000, 900)).toBe(1)
  })
})

describe('rate ladder', () => {
  it('rounds to two significant digits, sorts and removes duplicates', () => {
    expect(rateLadder(12_345, [1, 0.5, 0.25, 0.5])).toEqual([3100, 6200, 12_000])
  })

  it('never goes below the minimum rate', () => {
    expect(rateLadder(20, [0.1, 1], 10)).toEqual([10, 20])
  })

  it('rounds to significant digits', () => {
    expect(roundToSignificant(12_345, 2)).toBe(12_000)
    expect(roundToSignificant(0.0456, 1)).toBeCloseTo(0.05, 10)
    expect(roundToSignificant(0, 2)).toBe(0)
    expect(roundToSignificant(Number.NaN, 2)).toBe(0)
  })
})

describe('saturation', () => {
  it('computes the achieved rate from start to last completion', () => {
    expect(achievedRate(1000, 0, 1_000_000)).toBe(1000)
    expect(achievedRate(1000, 0, 2_000_000)).toBe(500)
    expect(achievedRate(0, 0, 1_000_000)).toBe(0)
    expect(achievedRate(10, 5, 5)).toBe(0)
  })

  it('flags rates the system did not sustain, or runs that were abandoned', () => {
    expect(isSaturated(1000, 999, false)).toBe(false)
    expect(isSaturated(1000, 950, false)).toBe(false)
    expect(isSaturated(1000, 949, false)).toBe(true)
    expect(isSaturated(1000, 1000, true)).toBe(true)
  })

  it('finds the lowest saturated offered rate', () => {
    const points = [
      { offeredMessagesPerSecond: 100, saturated: false },
      { offeredMessagesPerSecond: 400, saturated: true },
      { offeredMessagesPerSecond: 200, saturated: true },
    ]
    expect(firstSaturatedRate(points)).toBe(200)
    expect(firstSaturatedRate(points.slice(0, 1))).toBeUndefined()
  })
})
