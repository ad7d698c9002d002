import { describe, expect, it } from 'vitest'
import {
  createHistogram,
  decodeHistogram,
  ninesToPercentile,
  percentileCurve,
  percentileToNines,
  recordMicros,
  resolvableNines,
  summarize,
} from '../../bench/measure/histogram.js'

describe('nines', () => {
  it('maps percentiles to nines and back', () => {
    expect(percentileToNines(90)).toBeCloseTo(1, 10)
    expect(percentileToNines(99)).toBeCloseTo(2, 10)
    expect(percentileToNines(99.9)).toBeCloseTo(3, 10)
    expect(percentileToNines(0)).toBe(0)
    expect(percentileToNines(100)).toBe(Number.POSITIVE_INFINITY)
    for (const nines of [0, 0.25, 1, 2.5, 4]) {
      expect(percentileToNines(ninesToPercentile(nines))).toBeCloseTo(nines, 9)
    }
  })

  it('resolves log10(count) nines', () => {
    expect(resolvableNines(1)).toBe(0)
    expect(resolvableNines(1000)).toBeCloseTo(3, 10)
  })
})

describe('summarize', () => {
  it('reports percentiles of a uniform 1..10000 µs sample within the histogram precision', () => {
    const histogram = createHistogram()
    for (let value = 1; value <= 10_000; value++) recordMicros(histogram, value)
    const summary = summarize(histogram)
    expect(summary.count).toBe(10_000)
    expect(summary.minMicros).toBe(1)
    // Three significant digits: values are exact to within 0.1 %.
    expect(summary.p50Micros).toBeGreaterThanOrEqual(4995)
    expect(summary.p50Micros).toBeLessThanOrEqual(5005)
    expect(summary.p90Micros).toBeGreaterThanOrEqual(8991)
    expect(summary.p90Micros).toBeLessThanOrEqual(9009)
    expect(summary.p99Micros).toBeGreaterThanOrEqual(9890)
    expect(summary.p99Micros).toBeLessThanOrEqual(9910)
    expect(summary.p999Micros).toBeGreaterThanOrEqual(9980)
    expect(summary.maxMicros).toBeGreaterThanOrEqual(10_000)
    expect(summary.maxMicros).toBeLessThanOrEqual(10_010)
    expect(summary.meanMicros).toBeCloseTo(5000.5, -1)
  })

  it('clamps sub-microsecond and fractional values instead of dropping them', () => {
    const histogram = createHistogram()
    recordMicros(histogram, 0)
    recordMicros(histogram, 0.4)
    recordMicros(histogram, 2.6)
    const summary = summarize(histogram)
    expect(summary.count).toBe(3)
    expect(summary.minMicros).toBe(1)
    expect(summary.maxMicros).toBe(3)
  })

  it('summarises an empty histogram as zeros', () => {
    const summary = summarize(createHistogram())
    expect(summary.count).toBe(0)
    expect(summary.p99Micros).toBe(0)
    expect(summary.curve).toEqual([])
    expect(summary.histogram).toBe('')
  })

  it('builds an ascending curve that ends at the maximum', () => {
    const histogram = createHistogram()
    for (let index = 0; index < 5000; index++) recordMicros(histogram, 100 + (index % 97) * 13)
    recordMicros(histogram, 1_000_000)
    const curve = percentileCurve(histogram)
    const last = curve[curve.length - 1]
    expect(last?.percentile).toBe(100)
    expect(last?.valueMicros).toBe(histogram.maxValue)
    for (let index = 1; index < curve.length; index++) {
      expect(curve[index]?.percentile).toBeGreaterThan(curve[index - 1]?.percentile ?? 0)
      expect(curve[index]?.valueMicros).toBeGreaterThanOrEqual(curve[index - 1]?.valueMicros ?? 0)
    }
  })

  it('round-trips the encoded histogram', () => {
    const histogram = createHistogram()
    for (let value = 10; value < 2000; value += 7) recordMicros(histogram, value)
    const summary = summarize(histogram)
    const decoded = decodeHistogram(summary.histogram)
    expect(decoded.totalCount).toBe(summary.count)
    expect(decoded.getValueAtPercentile(99)).toBe(summary.p99Micros)
  })
})
