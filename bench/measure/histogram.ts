/**
 * Latency recording in HdrHistograms, in microseconds. The pure JavaScript build is used (no
 * WebAssembly): it needs no asynchronous initialisation and records fast enough for these rates.
 */
import hdr from 'hdr-histogram-js'
import type { Histogram } from 'hdr-histogram-js'
import type { PercentilePoint, PercentileSummary } from '../types.js'

/** Longest latency the histograms track exactly; longer ones are clamped (an hour is a hang). */
const HIGHEST_TRACKABLE_MICROS = 3_600_000_000
/** Three significant digits: 0.1 % resolution, the HdrHistogram default. */
const SIGNIFICANT_DIGITS = 3
/** Spacing of the percentile curve in nines: 4 points per decade of tail. */
const CURVE_STEP_NINES = 0.25

export type { Histogram }

export function createHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_MICROS,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
    useWebAssembly: false,
  })
}

/** Records a latency; sub-microsecond values count as 1 µs so that nothing is dropped. */
export function recordMicros(histogram: Histogram, micros: number): void {
  const clamped = Math.min(HIGHEST_TRACKABLE_MICROS, Math.max(1, Math.round(micros)))
  histogram.recordValue(clamped)
}

/** 99.9 → 3 nines. The x axis of a percentile chart is in nines so that tails get room. */
export function percentileToNines(percentile: number): number {
  if (percentile >= 100) return Number.POSITIVE_INFINITY
  if (percentile <= 0) return 0
  return -Math.log10(1 - percentile / 100)
}

export function ninesToPercentile(nines: number): number {
  return 100 * (1 - 10 ** -nines)
}

/**
 * Nines a sample of `count` values can resolve: with 1,000 samples p99.9 is the last one that
 * is not simply the maximum, so the curve stops at log10(count) nines, where the maximum goes.
 */
export function resolvableNines(count: number): number {
  return count <= 1 ? 0 : Math.log10(count)
}

/**
 * A percentile's value is the top of its bucket (within 0.1 %), which can lie above the largest
 * value actually recorded; no percentile is reported above the maximum.
 */
function valueAtPercentile(histogram: Histogram, percentile: number): number {
  return Math.min(histogram.getValueAtPercentile(percentile), histogram.maxValue)
}

export function percentileCurve(histogram: Histogram): PercentilePoint[] {
  const points: PercentilePoint[] = []
  const count = histogram.totalCount
  if (count === 0) return points
  const limit = resolvableNines(count)
  for (let nines = 0; nines < limit; nines += CURVE_STEP_NINES) {
    const percentile = ninesToPercentile(nines)
    points.push({ percentile, valueMicros: valueAtPercentile(histogram, percentile) })
  }
  points.push({ percentile: 100, valueMicros: histogram.maxValue })
  return points
}

export function summarize(histogram: Histogram): PercentileSummary {
  const count = histogram.totalCount
  const at = (percentile: number): number =>
    count === 0 ? 0 : valueAtPercentile(histogram, percentile)
  return {
    count,
    minMicros: count === 0 ? 0 : histogram.minNonZeroValue,
    meanMicros: count === 0 ? 0 : Math.round(histogram.mean * 10) / 10,
    p50Micros: at(50),
    p90Micros: at(90),
    p99Micros: at(99),
    p999Micros: at(99.9),
    maxMicros: count === 0 ? 0 : histogram.maxValue,
    curve: percentileCurve(histogram),
    histogram: count === 0 ? '' : hdr.encodeIntoCompressedBase64(histogram),
  }
}

/** Decodes the `histogram` field of a summary, e.g. to merge runs or read other percentiles. */
export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded, 32, false)
}
