/**
 * A Prometheus histogram whose buckets are counted elsewhere: the journal worker counts batch
 * sizes and fdatasync latencies into fixed buckets (its thread has no registry), and each
 * scrape reads those counts. prom-client's Histogram only takes observations, so this is the
 * metric object its Registry accepts (name, help, type, get), and the Registry still writes the
 * exposition text.
 */
import { assert } from '../assert.js'

/** One label set's histogram: per-bucket counts (not cumulative), the last one +Inf. */
export interface BucketCounts {
  readonly labels: Readonly<Record<string, string>>
  readonly counts: readonly number[]
  readonly sum: number
}

interface HistogramValue {
  readonly metricName: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

/** What prom-client's Registry reads of a metric (its own metrics have the same shape). */
export interface ExternalMetricValues {
  readonly name: string
  readonly help: string
  readonly type: 'histogram'
  readonly aggregator: 'sum'
  readonly values: readonly HistogramValue[]
}

export class ExternalHistogram {
  readonly type = 'histogram' as const
  readonly aggregator = 'sum' as const
  private series: readonly BucketCounts[] = []

  constructor(
    readonly name: string,
    readonly help: string,
    /** Upper bounds in the metric's unit (seconds, records), ascending. */
    private readonly bounds: readonly number[],
  ) {
    for (let index = 1; index < bounds.length; index++) {
      assert(bounds[index]! > bounds[index - 1]!, 'histogram bounds ascend')
    }
  }

  set(series: readonly BucketCounts[]): void {
    for (const each of series) {
      assert(each.counts.length === this.bounds.length + 1, 'a count per bound and +Inf')
    }
    this.series = series
  }

  get(): Promise<ExternalMetricValues> {
    const values: HistogramValue[] = []
    for (const { labels, counts, sum } of this.series) {
      let cumulative = 0
      counts.forEach((count, index) => {
        cumulative += count
        const le = index < this.bounds.length ? String(this.bounds[index]) : '+Inf'
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { ...labels, le },
          value: cumulative,
        })
      })
      values.push({ metricName: `${this.name}_sum`, labels, value: sum })
      values.push({ metricName: `${this.name}_count`, labels, value: cumulative })
    }
    const { name, help, type, aggregator } = this
    return Promise.resolve({ name, help, type, aggregator, values })
  }
}
