/**
 * The chaos checker: a pure function of the histories, the final queue contents (drained after
 * healing), the members' serving periods and their committed logs. It reports anomalies, each
 * naming the operations involved, and availability per fault kind.
 *
 * Message identity is the body: the workload puts each body once (client, sequence), so a body
 * delivered twice, or one nobody tried to put, is an anomaly by itself.
 *
 * Unknown outcomes may have happened or not, at most once. A message acknowledged but absent
 * may have been taken by a call of unknown outcome: by the one that named it (a unit of work got
 * it, then its commit's outcome was lost), or by a get whose reply was lost (each excuses at
 * most one absent message, so a loss is reported only beyond that allowance).
 *
 * A get re-driven by the library after a reconnect is strict by default: with exactly-once
 * request identity the new primary answers the resend with the first attempt's outcome, so it
 * must return the message the first attempt took (or none); a message lost that way is an
 * anomaly. `allowRedrivenGets` restores the allowance of the time before request identity (each
 * such get may also have taken one unnamed message), for clients or servers without it.
 */
import type { Fault, FaultKind, MemberLog, Operation, ServingPeriod } from './history.js'

export type AnomalyKind =
  | 'acknowledged-put-missing'
  | 'delivered-twice'
  | 'acknowledged-get-reappeared'
  | 'never-put'
  | 'failed-operation-applied'
  | 'uow-partly-applied'
  | 'two-primaries'
  | 'logs-differ'

export interface Anomaly {
  readonly kind: AnomalyKind
  readonly detail: string
  /** Ids of the operations involved. */
  readonly operations: readonly number[]
}

export interface Availability {
  readonly faults: number
  /** Client-visible gap (longest window with no acknowledged call) after a fault of this kind. */
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
}

export interface CheckInput {
  readonly operations: readonly Operation[]
  /** Bodies drained from the queue at the end (after healing). */
  readonly final: readonly string[]
  readonly faults?: readonly Fault[]
  readonly serving?: readonly ServingPeriod[]
  readonly logs?: readonly MemberLog[]
  /**
   * Bodies whose PUT (or MOVE) is in the primary's committed log after healing. An acknowledged
   * body not there was never durable in the group: lost whatever the unknown gets were.
   */
  readonly loggedPuts?: ReadonlySet<string>
  /** End of the run (availability windows of the last fault end here). */
  readonly endMs?: number
  /** Count each re-driven get as one more get of unknown outcome (pre-exactly-once clients). */
  readonly allowRedrivenGets?: boolean
  /** A DR pair's forced promotions (faults of kind 'forced-promotion') and what they saved. */
  readonly dr?: DrCheck
}

/**
 * DR: an asynchronous pair's forced promotion may give up what the old primary had not
 * replicated, and while both sides are Partitioned both acknowledge (RDQM allows it). So in
 * asynchronous mode an acknowledged put missing after the run is accounted for only if it is
 * among the records the resolution saved aside (`saved`); a get acknowledged during a forced
 * promotion (by the side whose records were then cut) may reappear or be delivered again; and
 * "two primaries acknowledging" is not checked for calls completed inside a forced promotion's
 * window. None of that holds in synchronous mode: nothing acknowledged may be missing, saved
 * aside or not.
 */
export interface DrCheck {
  readonly type: 'a' | 's'
  readonly saved: ReadonlySet<string>
}

export interface Verdict {
  readonly valid: boolean
  readonly anomalies: readonly Anomaly[]
  /** DR asynchronous: what forced promotions gave up, accounted for (see DrCheck). */
  readonly givenUp?: { readonly savedPuts: number; readonly gets: number }
  readonly availability: Partial<Record<FaultKind, Availability>>
}

export function check(input: CheckInput): Verdict {
  const forced = input.dr?.type === 'a' ? promotionWindows(input.faults ?? []) : []
  const givenUp = { savedPuts: 0, gets: 0 }
  const messages = checkMessages(
    input.operations,
    input.final,
    input.loggedPuts,
    input.allowRedrivenGets,
    input.dr,
  )
  const anomalies = [
    ...messages.filter((anomaly) => !givenUpGet(anomaly, input.operations, forced, givenUp)),
    ...checkPrimaries(input.operations, input.serving ?? [], forced),
    ...checkLogs(input.logs ?? []),
  ]
  const endMs = input.endMs ?? Math.max(0, ...input.operations.map((op) => op.completeMs))
  const availability = availabilityByKind(input.operations, input.faults ?? [], endMs)
  if (input.dr === undefined) return { valid: anomalies.length === 0, anomalies, availability }
  givenUp.savedPuts = savedPutsUsed(input.operations, input.final, input.dr)
  return { valid: anomalies.length === 0, anomalies, availability, givenUp }
}

interface Window {
  readonly startMs: number
  readonly endMs: number
}

function promotionWindows(faults: readonly Fault[]): Window[] {
  return faults.filter((fault) => fault.kind === 'forced-promotion')
}

function inWindow(op: Operation, windows: readonly Window[]): boolean {
  return windows.some((window) => op.completeMs >= window.startMs && op.invokeMs <= window.endMs)
}

/**
 * An acknowledged get that reappeared, or a message delivered twice, where one of the gets was
 * acknowledged during an asynchronous forced promotion: the deposed side's get was cut with its
 * records (given up, counted), not an anomaly.
 */
function givenUpGet(
  anomaly: Anomaly,
  operations: readonly Operation[],
  windows: readonly Window[],
  givenUp: { gets: number },
): boolean {
  if (anomaly.kind !== 'acknowledged-get-reappeared' && anomaly.kind !== 'delivered-twice') {
    return false
  }
  const involved = operations.filter((op) => anomaly.operations.includes(op.id))
  if (!involved.some((op) => inWindow(op, windows))) return false
  givenUp.gets++
  return true
}

/** Acknowledged puts absent from the run's end that the saved-aside records account for. */
function savedPutsUsed(
  operations: readonly Operation[],
  final: readonly string[],
  dr: DrCheck,
): number {
  const ledger = ledgerOf(operations, final, false)
  return operations
    .filter((op) => op.outcome === 'ok')
    .flatMap((op) => op.put ?? [])
    .filter((body) => !present(ledger, body) && dr.saved.has(body)).length
}

/** Where each body was put and taken: the facts every message rule reads. */
interface Ledger {
  /** Body -> the operation that tried to put it. */
  readonly putBy: Map<string, Operation>
  /** Body -> acknowledged operations that took it. */
  readonly takenBy: Map<string, Operation[]>
  /** Body -> copies left on the queue at the end. */
  readonly left: Map<string, number>
  /** Bodies a call of unknown outcome got (its unit of work may or may not have committed). */
  readonly maybeTaken: Set<string>
  /** Gets of unknown outcome that never said what they got: each may have taken one message. */
  unnamedTakes: number
}

function ledgerOf(
  operations: readonly Operation[],
  final: readonly string[],
  allowRedrivenGets: boolean,
): Ledger {
  const ledger: Ledger = {
    putBy: new Map(),
    takenBy: new Map(),
    left: new Map(),
    maybeTaken: new Set(),
    unnamedTakes: 0,
  }
  for (const op of operations) {
    for (const body of op.put ?? []) ledger.putBy.set(body, op)
    if (op.outcome === 'unknown' && op.got !== undefined) ledger.maybeTaken.add(op.got)
    else if (op.outcome === 'unknown' && (op.kind === 'get' || op.kind === 'uow')) {
      ledger.unnamedTakes++
    }
    if (allowRedrivenGets && op.redriven === true && op.kind === 'get') ledger.unnamedTakes++
    if (op.outcome === 'ok' && op.got !== undefined) {
      ledger.takenBy.set(op.got, [...(ledger.takenBy.get(op.got) ?? []), op])
    }
  }
  for (const body of final) ledger.left.set(body, (ledger.left.get(body) ?? 0) + 1)
  return ledger
}

function present(ledger: Ledger, body: string): boolean {
  return (ledger.takenBy.get(body)?.length ?? 0) + (ledger.left.get(body) ?? 0) > 0
}

/** Present, or possibly taken by a call of unknown outcome that named it. */
function accounted(ledger: Ledger, body: string): boolean {
  return present(ledger, body) || ledger.maybeTaken.has(body)
}

function checkMessages(
  operations: readonly Operation[],
  final: readonly string[],
  loggedPuts: ReadonlySet<string> | undefined,
  allowRedrivenGets = false,
  dr: DrCheck | undefined = undefined,
): Anomaly[] {
  const ledger = ledgerOf(operations, final, allowRedrivenGets)
  // Asynchronous DR: a put given up by a forced promotion is accounted for if saved aside.
  if (dr?.type === 'a') for (const body of dr.saved) ledger.maybeTaken.add(body)
  const anomalies: Anomaly[] = []
  anomalies.push(...checkOrigins(operations, ledger))
  anomalies.push(...checkCopies(ledger))
  if (loggedPuts !== undefined) {
    const excused = dr?.type === 'a' ? dr.saved : new Set<string>()
    anomalies.push(...checkLogged(operations, ledger, loggedPuts, excused))
  }
  // Acknowledged bodies nobody can account for: lost, unless as many unnamed takes explain them.
  const missing: { body: string; op: Operation }[] = []
  const partial: Anomaly[] = []
  const unaccounted = new Set<string>()
  for (const op of operations) {
    if (op.outcome === 'fail' || (op.kind !== 'put' && op.kind !== 'uow')) continue
    const bodies = op.put ?? []
    const absent = bodies.filter((body) => !accounted(ledger, body))
    const partly = op.kind === 'uow' && absent.length > 0 && absent.length < bodies.length
    // An unknown call that left no trace did not happen: allowed. Half a unit of work is not.
    if (absent.length === 0 || (op.outcome === 'unknown' && !partly)) continue
    for (const body of absent) unaccounted.add(body)
    if (partly) {
      const shown = bodies.filter((body) => present(ledger, body))
      const detail =
        `unit of work op ${op.id} (${op.outcome}): ${shown.join(', ')} applied, ` +
        `${absent.join(', ')} not`
      partial.push({ kind: 'uow-partly-applied', detail, operations: [op.id] })
    }
    if (op.outcome === 'ok') for (const body of absent) missing.push({ body, op })
  }
  if (unaccounted.size <= ledger.unnamedTakes) return anomalies
  anomalies.push(...partial)
  const allowance = `${ledger.unnamedTakes} get(s) of unknown outcome may explain as many`
  const redriven = operations.filter((op) => op.redriven === true && op.kind === 'get')
  // The re-driven gets are the first suspects of a loss: name them (they are few).
  const suspects = redriven.length === 0 ? '' : `; re-driven gets: ops ${idList(redriven)}`
  for (const { body, op } of missing) {
    const detail = `${body} acknowledged by op ${op.id}, not delivered, not on the queue`
    anomalies.push({
      kind: 'acknowledged-put-missing',
      detail: `${detail} (${missing.length} missing; ${allowance}${suspects})`,
      operations: [op.id],
    })
  }
  return anomalies
}

function idList(operations: readonly Operation[]): string {
  const shown = operations.slice(0, 20).map((op) => op.id)
  return operations.length > 20 ? `${shown.join(', ')}...` : shown.join(', ')
}

/** Acknowledged bodies absent from the queue and from the committed log: no excuse. */
function checkLogged(
  operations: readonly Operation[],
  ledger: Ledger,
  loggedPuts: ReadonlySet<string>,
  savedAside: ReadonlySet<string>,
): Anomaly[] {
  const anomalies: Anomaly[] = []
  for (const op of operations) {
    if (op.outcome !== 'ok' || (op.kind !== 'put' && op.kind !== 'uow')) continue
    for (const body of op.put ?? []) {
      if (present(ledger, body) || loggedPuts.has(body) || savedAside.has(body)) continue
      const detail = `${body} acknowledged by op ${op.id}, not in the committed log after healing`
      anomalies.push({ kind: 'acknowledged-put-missing', detail, operations: [op.id] })
    }
  }
  return anomalies
}

/** Bodies delivered, browsed or left that nobody tried to put; failed puts that took effect. */
function checkOrigins(operations: readonly Operation[], ledger: Ledger): Anomaly[] {
  const anomalies: Anomaly[] = []
  const seen = (body: string, ops: readonly number[]): void => {
    if (ledger.putBy.has(body)) return
    anomalies.push({ kind: 'never-put', detail: `${body} was never put`, operations: ops })
  }
  for (const [body, takers] of ledger.takenBy)
    seen(
      body,
      takers.map((op) => op.id),
    )
  for (const body of ledger.left.keys()) seen(body, [])
  for (const op of operations) for (const body of op.browsed ?? []) seen(body, [op.id])
  for (const op of operations) {
    if (op.outcome !== 'fail') continue
    const applied = (op.put ?? []).filter((body) => present(ledger, body))
    if (applied.length === 0) continue
    anomalies.push({
      kind: 'failed-operation-applied',
      detail: `op ${op.id} failed (reason ${op.reason}) but ${applied.join(', ')} took effect`,
      operations: [op.id],
    })
  }
  return anomalies
}

/** A message may be taken once, and once taken must not be on the queue any more. */
function checkCopies(ledger: Ledger): Anomaly[] {
  const anomalies: Anomaly[] = []
  for (const [body, takers] of ledger.takenBy) {
    const ids = takers.map((op) => op.id)
    if (takers.length > 1) {
      const detail = `${body} delivered ${takers.length} times (ops ${ids.join(', ')})`
      anomalies.push({ kind: 'delivered-twice', detail, operations: ids })
    }
    if ((ledger.left.get(body) ?? 0) > 0) {
      const detail = `${body} taken by op ${ids[0]} (acknowledged) but still on the queue`
      anomalies.push({ kind: 'acknowledged-get-reappeared', detail, operations: ids })
    }
  }
  for (const [body, count] of ledger.left) {
    if (count < 2) continue
    const detail = `${body} left on the queue ${count} times`
    anomalies.push({ kind: 'delivered-twice', detail, operations: [] })
  }
  return anomalies
}

/**
 * Two primaries: two members serving the same epoch; or an older epoch acknowledging a call
 * invoked after a newer epoch had acknowledged one (a majority had moved on, so the old primary
 * could not have had a quorum).
 */
function checkPrimaries(
  operations: readonly Operation[],
  serving: readonly ServingPeriod[],
  forced: readonly Window[] = [],
): Anomaly[] {
  const anomalies: Anomaly[] = []
  const byEpoch = new Map<number, Set<string>>()
  for (const period of serving) {
    byEpoch.set(period.epoch, (byEpoch.get(period.epoch) ?? new Set()).add(period.node))
  }
  for (const [epoch, nodes] of byEpoch) {
    if (nodes.size < 2) continue
    const detail = `epoch ${epoch} served by ${[...nodes].join(' and ')}`
    anomalies.push({ kind: 'two-primaries', detail, operations: [] })
  }
  const acked = operations.filter(
    (op) => op.outcome === 'ok' && op.epoch !== undefined && !inWindow(op, forced),
  )
  const firstAck = new Map<number, Operation>()
  for (const op of acked) {
    const known = firstAck.get(op.epoch!)
    if (known === undefined || op.completeMs < known.completeMs) firstAck.set(op.epoch!, op)
  }
  for (const op of acked) {
    for (const [epoch, first] of firstAck) {
      if (epoch <= op.epoch! || op.invokeMs <= first.completeMs) continue
      const detail =
        `op ${op.id} acknowledged in epoch ${op.epoch} though invoked after op ${first.id} ` +
        `was acknowledged in epoch ${epoch}`
      anomalies.push({ kind: 'two-primaries', detail, operations: [op.id, first.id] })
      break
    }
  }
  return anomalies
}

/** After healing, every member's log must agree record by record over their common length. */
function checkLogs(logs: readonly MemberLog[]): Anomaly[] {
  const anomalies: Anomaly[] = []
  const [reference, ...others] = logs
  if (reference === undefined) return anomalies
  for (const log of others) {
    const common = Math.min(reference.records.length, log.records.length)
    for (let index = 0; index < common; index++) {
      if (reference.records[index] === log.records[index]) continue
      const detail =
        `${reference.node} and ${log.node} differ at record ${index}: ` +
        `${reference.records[index]} vs ${log.records[index]}`
      anomalies.push({ kind: 'logs-differ', detail, operations: [] })
      break
    }
  }
  return anomalies
}

/**
 * Per fault: the longest interval with no acknowledged call inside [fault start, next fault
 * start or run end], measured from the fault's start. Per kind: p50, p99 and max of those.
 */
function availabilityByKind(
  operations: readonly Operation[],
  faults: readonly Fault[],
  endMs: number,
): Partial<Record<FaultKind, Availability>> {
  const acks = operations
    .filter((op) => op.outcome === 'ok')
    .map((op) => op.completeMs)
    .sort((a, b) => a - b)
  const sorted = [...faults].sort((a, b) => a.startMs - b.startMs)
  const gaps = new Map<FaultKind, number[]>()
  sorted.forEach((fault, index) => {
    const windowEnd = Math.max(sorted[index + 1]?.startMs ?? endMs, fault.endMs)
    gaps.set(fault.kind, [
      ...(gaps.get(fault.kind) ?? []),
      longestGap(acks, fault.startMs, windowEnd),
    ])
  })
  const result: Partial<Record<FaultKind, Availability>> = {}
  for (const [kind, values] of gaps) {
    values.sort((a, b) => a - b)
    result[kind] = {
      faults: values.length,
      p50Ms: percentile(values, 0.5),
      p99Ms: percentile(values, 0.99),
      maxMs: values.at(-1)!,
    }
  }
  return result
}

export function longestGap(sortedAcks: readonly number[], fromMs: number, toMs: number): number {
  let last = fromMs
  let longest = 0
  for (const at of sortedAcks) {
    if (at <= fromMs) continue
    if (at > toMs) break
    longest = Math.max(longest, at - last)
    last = at
  }
  return Math.max(longest, toMs - last)
}

export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)
  return sorted[Math.max(0, index)]!
}
