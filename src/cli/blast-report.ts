/**
 * amqsblst's measurements and what it prints: Blast> progress lines while it runs, and at the
 * end the message count, bytes, elapsed seconds, msgs/s, MB/s (10^6 bytes) and the put or get
 * latency percentiles, or the same as one JSON object with --json. Latency is from sending a
 * call to its reply, so with --inflight it includes the wait behind earlier calls, and a get's
 * includes waiting for the message to arrive.
 */
import hdr from 'hdr-histogram-js'
import type { Histogram } from 'hdr-histogram-js'
import {
  BLAST_PROGRESS_INTERVAL_COUNT,
  BLAST_VERBOSE_PROGRESS_INTERVAL_COUNT,
} from '../constants.js'

/** An hour: a call slower than that is a hang and is clamped, not dropped. */
const HIGHEST_TRACKABLE_MICROS = 3_600_000_000

export interface BlastFailure {
  readonly call: string
  readonly reason: number
}

export interface BlastSummary {
  readonly mode: 'write' | 'read'
  readonly queueManager: string
  readonly queue: string
  readonly messages: number
  readonly bytes: number
  /** Units of work committed (with -u); otherwise equal to messages. */
  readonly committedMessages: number
  readonly elapsedSeconds: number
  readonly messagesPerSecond: number
  readonly megabytesPerSecond: number
  readonly latencyMs: { p50: number; p99: number; p999: number; max: number }
  readonly failure: BlastFailure | null
}

export class BlastMeter {
  readonly histogram: Histogram = hdr.build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_MICROS,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  })
  messages = 0
  bytes = 0
  committedMessages = 0
  private startedMs = 0
  private endedMs = 0
  private firstRecordedMs: number | undefined
  private lastRecordedMs = 0
  private readonly interval: number

  constructor(
    private readonly verb: 'put' | 'got',
    private readonly printProgress: boolean,
    verbose: boolean,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.interval = verbose ? BLAST_VERBOSE_PROGRESS_INTERVAL_COUNT : BLAST_PROGRESS_INTERVAL_COUNT
  }

  start(): void {
    this.startedMs = this.now()
  }

  get startedAtMs(): number {
    return this.startedMs
  }

  stop(): void {
    this.endedMs = this.now()
  }

  /** One confirmed call of `bodyBytes`, `startedMs` being when it was sent. */
  record(startedMs: number, bodyBytes: number): void {
    const now = this.now()
    this.firstRecordedMs ??= now
    this.lastRecordedMs = now
    const micros = Math.round((now - startedMs) * 1000)
    this.histogram.recordValue(Math.min(HIGHEST_TRACKABLE_MICROS, Math.max(1, micros)))
    this.messages++
    this.bytes += bodyBytes
    if (this.printProgress && this.messages % this.interval === 0) {
      process.stdout.write(`Blast> ${this.messages} messages ${this.verb}\n`)
    }
  }

  summary(
    mode: 'write' | 'read',
    names: { queueManager: string; queue: string },
    failure: BlastFailure | null,
  ): BlastSummary {
    const { elapsedSeconds, messagesPerSecond, megabytesPerSecond } = this.rates(mode)
    const percentile = (value: number): number =>
      this.messages === 0 ? 0 : this.histogram.getValueAtPercentile(value) / 1000
    return {
      mode,
      ...names,
      messages: this.messages,
      bytes: this.bytes,
      committedMessages: this.committedMessages,
      elapsedSeconds,
      messagesPerSecond,
      megabytesPerSecond,
      latencyMs: {
        p50: percentile(50),
        p99: percentile(99),
        p999: percentile(99.9),
        max: this.messages === 0 ? 0 : this.histogram.maxValue / 1000,
      },
      failure,
    }
  }

  /**
   * A writer is timed from its start to its end. A reader is timed from the first message it
   * got to the last: before the first it waits for a writer that may not have started, and
   * after the last it may wait out a get (100 s) for an end marker a failed writer never sent;
   * neither wait is reading. Over that span the first message is its start, so the rate counts
   * the messages after it.
   */
  private rates(mode: 'write' | 'read'): {
    elapsedSeconds: number
    messagesPerSecond: number
    megabytesPerSecond: number
  } {
    if (mode === 'write') {
      const elapsedSeconds = Math.max(1e-6, (this.endedMs - this.startedMs) / 1000)
      return {
        elapsedSeconds,
        messagesPerSecond: this.messages / elapsedSeconds,
        megabytesPerSecond: this.bytes / 1e6 / elapsedSeconds,
      }
    }
    const first = this.firstRecordedMs ?? this.lastRecordedMs
    const elapsedSeconds = Math.max(1e-6, (this.lastRecordedMs - first) / 1000)
    const intervals = Math.max(0, this.messages - 1)
    const bytesPerMessage = this.messages === 0 ? 0 : this.bytes / this.messages
    return {
      elapsedSeconds,
      messagesPerSecond: intervals === 0 ? 0 : intervals / elapsedSeconds,
      megabytesPerSecond:
        intervals === 0 ? 0 : (intervals * bytesPerMessage) / 1e6 / elapsedSeconds,
    }
  }
}

export function summaryLines(summary: BlastSummary, unitsOfWork: boolean): string[] {
  const { latencyMs } = summary
  const call = summary.mode === 'write' ? 'put' : 'get'
  const lines: string[] = []
  if (summary.failure !== null) {
    const verb = summary.mode === 'write' ? 'puts' : 'gets'
    const committed = unitsOfWork ? ` (${summary.committedMessages} committed)` : ''
    lines.push(
      `Blast> ${summary.failure.call} ended with reason code ${summary.failure.reason}`,
      `Blast> ${summary.messages} ${verb} confirmed${committed} before the failure`,
    )
  }
  const fixed = (value: number, digits: number): string => value.toFixed(digits)
  lines.push(
    `Blast> messages = ${summary.messages}`,
    `Blast> bytes = ${summary.bytes}`,
    `Blast> elapsed time = ${fixed(summary.elapsedSeconds, 3)} S`,
    `Blast> rate = ${fixed(summary.messagesPerSecond, 1)} msgs/s, ${fixed(summary.megabytesPerSecond, 2)} MB/s`,
    `Blast> ${call} latency ms: p50 = ${fixed(latencyMs.p50, 3)} p99 = ${fixed(latencyMs.p99, 3)} ` +
      `p99.9 = ${fixed(latencyMs.p999, 3)} max = ${fixed(latencyMs.max, 3)}`,
  )
  return lines
}
