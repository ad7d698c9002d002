/**
 * Pure restart policy: given the history of restarts and the time, restart after a backoff or
 * give up. Kept apart from the supervisor so it can be tested without threads or clocks.
 */
export interface RestartHistory {
  /** Times of restarts inside the current budget window, oldest first. */
  readonly restartTimesMs: readonly number[]
}

export interface RestartLimits {
  readonly budgetCount: number
  readonly budgetWindowMs: number
  readonly backoffInitialMs: number
  readonly backoffMaxMs: number
}

export type RestartDecision =
  | { readonly kind: 'restart'; readonly delayMs: number; readonly history: RestartHistory }
  | { readonly kind: 'give-up'; readonly history: RestartHistory }

export function decideRestart(
  history: RestartHistory,
  nowMs: number,
  limits: RestartLimits,
): RestartDecision {
  const recent = history.restartTimesMs.filter((time) => nowMs - time < limits.budgetWindowMs)
  if (recent.length >= limits.budgetCount) {
    return { kind: 'give-up', history: { restartTimesMs: recent } }
  }
  const delayMs = Math.min(limits.backoffMaxMs, limits.backoffInitialMs * 2 ** recent.length)
  return { kind: 'restart', delayMs, history: { restartTimesMs: [...recent, nowMs] } }
}
