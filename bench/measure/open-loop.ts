/**
 * Scheduling for the open-loop (fixed-rate) scenario. Message i is due at start + i / rate, and
 * its latency is measured from that intended time, not from when the sender got round to it: a
 * sender that falls behind because the system is slow then shows the delay instead of hiding it
 * (coordinated omission, Gil Tene).
 */

const MICROS_PER_SECOND = 1_000_000

export function intendedSendTimeMicros(
  startMicros: number,
  index: number,
  ratePerSecond: number,
): number {
  return startMicros + (index * MICROS_PER_SECOND) / ratePerSecond
}

/** How many of `totalMessages` are due by `nowMicros` (message 0 is due at the start). */
export function dueMessageCount(
  startMicros: number,
  nowMicros: number,
  ratePerSecond: number,
  totalMessages: number,
): number {
  if (nowMicros < startMicros) return 0
  const due = Math.floor(((nowMicros - startMicros) * ratePerSecond) / MICROS_PER_SECOND) + 1
  return Math.min(totalMessages, due)
}

/** Latency of a message from its intended send time; never below 1 µs. */
export function latencyFromIntendedMicros(intendedMicros: number, completedMicros: number): number {
  return Math.max(1, completedMicros - intendedMicros)
}

/**
 * Offered rates as fractions of a measured capacity, rounded to two significant digits so that
 * charts read cleanly, deduplicated and ascending; never below `minimumRatePerSecond`.
 */
export function rateLadder(
  capacityPerSecond: number,
  fractions: readonly number[],
  minimumRatePerSecond = 10,
): number[] {
  const rates = fractions
    .map((fraction) => roundToSignificant(capacityPerSecond * fraction, 2))
    .map((rate) => Math.max(minimumRatePerSecond, rate))
  return [...new Set(rates)].sort((left, right) => left - right)
}

export function roundToSignificant(value: number, digits: number): number {
  if (value <= 0 || !Number.isFinite(value)) return 0
  const magnitude = 10 ** (Math.floor(Math.log10(value)) - digits + 1)
  return Math.round(value / magnitude) * magnitude
}

/** Completions below this share of the offered rate mean the system did not keep up. */
export const SATURATION_ACHIEVED_RATIO = 0.95

/**
 * Achieved rate: completions divided by the time from the first intended send to the last
 * completion. A system that keeps up finishes about one latency after the schedule ends.
 */
export function achievedRate(
  completedMessages: number,
  startMicros: number,
  lastCompletionMicros: number,
): number {
  const elapsedMicros = lastCompletionMicros - startMicros
  if (completedMessages === 0 || elapsedMicros <= 0) return 0
  return (completedMessages * MICROS_PER_SECOND) / elapsedMicros
}

export function isSaturated(
  offeredPerSecond: number,
  achievedPerSecond: number,
  abandoned: boolean,
): boolean {
  return abandoned || achievedPerSecond < offeredPerSecond * SATURATION_ACHIEVED_RATIO
}

/** The lowest offered rate that saturated, or undefined when every rate was sustained. */
export function firstSaturatedRate(
  points: readonly { offeredMessagesPerSecond: number; saturated: boolean }[],
): number | undefined {
  const saturated = points.filter((point) => point.saturated)
  if (saturated.length === 0) return undefined
  return Math.min(...saturated.map((point) => point.offeredMessagesPerSecond))
}
