/**
 * What the chaos suite records: every client call (invocation and outcome, with times) and every
 * fault the nemesis injected. Plain data, written to histories.jsonl and read by the checker.
 *
 * Outcomes: 'ok' (acknowledged), 'fail' (a definite MQ reason: the call did nothing), 'unknown'
 * (the connection broke mid-call, or the call timed out: it may or may not have taken effect,
 * at most once).
 */
export type OperationKind = 'put' | 'get' | 'browse' | 'uow'
export type Outcome = 'ok' | 'fail' | 'unknown'

export interface Operation {
  readonly id: number
  readonly client: number
  readonly kind: OperationKind
  readonly invokeMs: number
  readonly completeMs: number
  readonly outcome: Outcome
  /** MQ reason of a failure or of an unknown outcome, when there was one. */
  readonly reason?: number
  /** Bodies this call put (put: one; uow: the unit's puts). */
  readonly put?: readonly string[]
  /** Body this call took (get, or the unit of work's get) when the call said which. */
  readonly got?: string
  /** Bodies a browse saw. */
  readonly browsed?: readonly string[]
  /**
   * A get outside syncpoint during which the connection reconnected: the library re-sent it (as
   * MQ re-drives such gets), so a first attempt of unknown outcome may have taken a message too.
   */
  readonly redriven?: boolean
  /** Epoch of the primary that acknowledged (filled from the journals after the run). */
  readonly epoch?: number
}

export type FaultKind =
  | 'kill'
  | 'pause'
  | 'isolate-primary'
  | 'isolate-secondary'
  | 'split'
  | 'one-way'
  | 'bridge'
  | 'latency'
  | 'loss'
  | 'disk-full'
  | 'dr-link-cut'
  | 'dr-resync-cut'
  | 'forced-promotion'

export const FAULT_KINDS: readonly FaultKind[] = [
  'kill',
  'pause',
  'isolate-primary',
  'isolate-secondary',
  'split',
  'one-way',
  'bridge',
  'latency',
  'loss',
  'disk-full',
]

/**
 * A DR pair's faults: kill -9 and SIGSTOP of either side, the DR link lost both ways or one way,
 * latency and loss on it, a cut while the secondary catches up, and a forced promotion (the
 * primary killed or cut off, the secondary promoted, the old primary back, both Partitioned,
 * resolved by rdqmdr -s on the old primary).
 */
export const DR_FAULT_KINDS: readonly FaultKind[] = [
  'kill',
  'pause',
  'dr-link-cut',
  'one-way',
  'latency',
  'loss',
  'dr-resync-cut',
  'forced-promotion',
]

export interface Fault {
  readonly kind: FaultKind
  readonly startMs: number
  /** When the fault was healed (process restarted, links restored, disk freed). */
  readonly endMs: number
  readonly detail: string
}

/** A member's claim to serve (from its 'serving' events), as the driver saw it. */
export interface ServingPeriod {
  readonly node: string
  readonly epoch: number
  readonly startMs: number
  readonly endMs: number
}

/** One member's committed log after healing: a fingerprint per record, in LSN order. */
export interface MemberLog {
  readonly node: string
  readonly records: readonly string[]
}
