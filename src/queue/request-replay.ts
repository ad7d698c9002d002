/**
 * Answering a request sent again: a put or destructive get whose identity is in the outcome
 * table (outcome-table.ts) is not done a second time; its first outcome is returned, once that
 * is durable (the first may still be waiting for its group commit, or for the replicas).
 *
 *   put  ── the descriptor it stored (same MsgId, put time...): the message is stored once
 *   get  ── the message it took, kept with the outcome or read back from the log by put LSN:
 *           delivered, never lost (its reply died with the old connection) and never twice
 *   commit ── committed: OK once the UOW_COMMIT is durable; unknown: the unit of work died with
 *           its connection (backed out), 2003 (connection.ts)
 */
import { CompCode, MQError, Reason } from '../errors.js'
import { RecordType, type RequestIdentity } from '../actors/journal/record-types.js'
import type { EngineRuntime } from './engine-runtime.js'
import type { GetOutcome, Outcome, PutOutcome } from './outcome-table.js'
import type { GotMessage, MessageDescriptor } from './types.js'

const MILLISECONDS_PER_TENTH = 100

/** The outcome of `request` if the table knows it, checked to be of the expected kind. */
export function knownOutcome<K extends Outcome['kind']>(
  runtime: EngineRuntime,
  request: RequestIdentity | undefined,
  kind: K,
): Extract<Outcome, { kind: K }> | undefined {
  if (request === undefined) return undefined
  const outcome = runtime.state.outcomes.find(request)
  if (outcome === undefined) return undefined
  if (outcome.kind !== kind) {
    const detail = `request ${request.sequence} was a ${outcome.kind}, sent again as a ${kind}`
    throw new MQError(Reason.UNEXPECTED_ERROR, detail, CompCode.FAILED)
  }
  return outcome as Extract<Outcome, { kind: K }>
}

export async function replayPut(
  runtime: EngineRuntime,
  outcome: PutOutcome,
): Promise<MessageDescriptor> {
  if (outcome.lsn >= 0) await runtime.durable(outcome.lsn)
  const { descriptor } = outcome
  return {
    ...descriptor,
    msgId: new Uint8Array(descriptor.msgId),
    correlId: new Uint8Array(descriptor.correlId),
  }
}

/**
 * The message a get took, again. `reserve` is the caller's byte credit, taken as for a first
 * delivery. The PUT record is read only once the GET is durable, so it is on disk too.
 */
export async function replayGet(
  runtime: EngineRuntime,
  request: RequestIdentity,
  outcome: GetOutcome,
  reserve: ((bodyBytes: number) => void) | undefined,
): Promise<GotMessage> {
  await runtime.durable(outcome.lsn)
  let record
  try {
    record =
      runtime.state.outcomes.messageOf(request) ??
      runtime.state.bodyCache.get(outcome.putLsn) ??
      runtime.journal.readPut(outcome.putLsn)
  } catch (cause) {
    const detail = `the message got by this request (put LSN ${outcome.putLsn}) is no longer in the log`
    throw new MQError(Reason.RESOURCE_PROBLEM, detail, CompCode.FAILED, { cause })
  }
  reserve?.(record.body.length)
  const put = record.descriptor
  const descriptor: MessageDescriptor = {
    msgId: new Uint8Array(put.msgId),
    correlId: new Uint8Array(put.correlId),
    persistent: put.persistent,
    priority: outcome.priority,
    expiry: remainingExpiry(put.expiry, outcome.expiryAtMs, runtime.now()),
    backoutCount: outcome.backoutCount,
    putTimeMs: put.putTimeMs,
    format: put.format,
    replyToQueue: put.replyToQueue,
    replyToQueueManager: put.replyToQueueManager,
  }
  // A copy: a cached body is shared with the cache, a read one is a view of a reused buffer.
  return { descriptor, body: new Uint8Array(record.body) }
}

/** As at the first delivery: the time left, rounded up, never 0 (it may have passed since). */
function remainingExpiry(expiry: number, expiryAtMs: number, nowMs: number): number {
  if (expiry === -1) return -1
  return Math.max(1, Math.ceil((expiryAtMs - nowMs) / MILLISECONDS_PER_TENTH))
}

/**
 * Reads back the message of every get outcome that keeps none, while there is room (never
 * evicting: those kept at the get are newer). Called before a checkpoint is captured.
 */
export function keepGotMessages(runtime: EngineRuntime): void {
  const outcomes = runtime.state.outcomes
  for (const entry of [...outcomes.list()]) {
    const { outcome, request } = entry
    if (outcome.kind !== 'get' || entry.message !== undefined) continue
    let record
    try {
      record = runtime.journal.readPut(outcome.putLsn)
    } catch {
      // Retired already (its PUT record predates the floor): a resend of it then fails 2102.
      continue
    }
    // A copy: what readPut returns is a view of a reused buffer.
    const message = {
      type: RecordType.MESSAGE_PUT,
      queueId: record.queueId,
      uowId: 0,
      descriptor: record.descriptor,
      body: new Uint8Array(record.body),
    } as const
    if (!outcomes.keepMessage(request, message, false)) return
  }
}
