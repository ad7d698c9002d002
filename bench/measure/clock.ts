/**
 * One monotonic clock for every measurement, in microseconds. performance.now() is monotonic and
 * has sub-microsecond resolution in Node, and all timestamps are taken in this one process, so a
 * send time written into a message body can be compared with the time it is received.
 */
export function nowMicros(): number {
  return performance.now() * 1000
}

export function sleepMs(durationMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, durationMs)))
}

/** Yields to the event loop without the 1 ms minimum of a timer. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

export function secondsSince(startMicros: number): number {
  return (nowMicros() - startMicros) / 1_000_000
}
