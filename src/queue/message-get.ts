/**
 * MQGET: destructive get (in or out of syncpoint) and browse, with optional matching by MsgId
 * and CorrelId and optional waiting.
 *
 * An attempt is synchronous up to the journal append: choose the message, read its content,
 * append and apply the GET record (so no other getter can take it), and only then wait for
 * durability. A waiting get re-runs the same attempt whenever the queue gains a message.
 *
 * Matching: an all-zero MsgId or CorrelId (MQMI_NONE, MQCI_NONE) matches anything, as in MQ.
 * The per-message 32-bit hash rejects almost every non-match without I/O; a hash match is
 * confirmed against the full identifier (for a persistent message not in the body cache, that
 * costs one journal read).
 *
 * A destructive get outside syncpoint may name its request (options.request): if the outcome
 * table knows it, the message it took then is returned again and nothing else is taken
 * (request-replay.ts); if not, a persistent message's GET record carries the identity. An
 * identified get that waits is registered, so that the same request sent again cancels it: a
 * client only resends after losing the connection that would have received it.
 */
import { assert } from '../assert.js'
import { MAX_WAIT_MS, MESSAGE_ID_BYTES } from '../constants.js'
import { CompCode, MQError, Reason } from '../errors.js'
import {
  RecordType,
  type MessageGetRecord,
  type RequestIdentity,
} from '../actors/journal/record-types.js'
import type { HandleAccess as QueueHandle, HandlePurpose } from './handle-access.js'
import type { EngineRuntime } from './engine-runtime.js'
import type { LocalQueue, StoredMessage } from './local-queue.js'
import { hashId, idsEqual, isNoneId } from './message-id.js'
import { outcomeKey } from './outcome-table.js'
import { knownOutcome, replayGet } from './request-replay.js'
import type { BrowseMode, GetOptions, GotMessage, MessageDescriptor } from './types.js'
import { UnitOfWorkOperation, type UnitOfWork } from './unit-of-work.js'

const MILLISECONDS_PER_TENTH = 100
const WAIT_UNLIMITED = -1

interface GetRequest {
  readonly purpose: HandlePurpose
  readonly browse: BrowseMode | undefined
  readonly syncpoint: boolean
  readonly msgId: Uint8Array | undefined
  readonly correlId: Uint8Array | undefined
  readonly msgIdHash: number | undefined
  readonly correlIdHash: number | undefined
  readonly waitMs: number
  readonly signal: AbortSignal | undefined
  readonly reserve: ((bodyBytes: number) => void) | undefined
  /** Only for a destructive get outside syncpoint. */
  readonly identity: RequestIdentity | undefined
}

export async function getMessage(
  runtime: EngineRuntime,
  handle: QueueHandle,
  options: GetOptions,
): Promise<GotMessage> {
  const request = prepareGet(runtime, handle, options)
  const known = knownOutcome(runtime, request.identity, 'get')
  if (known !== undefined && request.identity !== undefined) {
    return replayGet(runtime, request.identity, known, request.reserve)
  }
  // Before this one may take a message: the same request left waiting elsewhere must not.
  if (request.identity !== undefined) supersede(runtime, request.identity)
  const immediate = attemptGet(runtime, handle, request)
  if (immediate !== undefined) return immediate
  if (request.waitMs === 0) {
    throw new MQError(Reason.NO_MSG_AVAILABLE, `no matching message on ${handle.queueName}`)
  }
  if (request.identity !== undefined) return waitIdentified(runtime, handle, request)
  return handle.queueFor(request.purpose).waiters.wait({
    owner: handle,
    attempt: () => attemptGet(runtime, handle, request),
    waitMs: request.waitMs,
    signal: request.signal,
    timers: runtime.timers,
  })
}

/** Cancels the get still waiting under `identity`, if any (it answers 2549 to nobody). */
function supersede(runtime: EngineRuntime, identity: RequestIdentity): void {
  const waiting = runtime.state.waitingRequests.get(outcomeKey(identity))
  if (waiting === undefined) return
  const detail = 'the same request was sent again on another connection'
  waiting.abort(new MQError(Reason.CALL_INTERRUPTED, detail, CompCode.FAILED))
}

/** A waiting get that names its request: the same request sent again cancels this one. */
async function waitIdentified(
  runtime: EngineRuntime,
  handle: QueueHandle,
  request: GetRequest,
): Promise<GotMessage> {
  assert(request.identity !== undefined, 'get: identified')
  const key = outcomeKey(request.identity)
  const waiting = runtime.state.waitingRequests
  const controller = new AbortController()
  waiting.set(key, controller)
  const signals = request.signal === undefined ? [] : [request.signal]
  try {
    return await handle.queueFor(request.purpose).waiters.wait({
      owner: handle,
      attempt: () => attemptGet(runtime, handle, request),
      waitMs: request.waitMs,
      signal: AbortSignal.any([controller.signal, ...signals]),
      timers: runtime.timers,
    })
  } finally {
    if (waiting.get(key) === controller) waiting.delete(key)
  }
}

function prepareGet(runtime: EngineRuntime, handle: QueueHandle, options: GetOptions): GetRequest {
  runtime.checkUsable()
  const browse = options.browse
  if (browse !== undefined && browse !== 'first' && browse !== 'next') {
    throw new MQError(Reason.OPTIONS_ERROR, `browse must be 'first' or 'next', not ${browse}`)
  }
  const syncpoint = options.syncpoint === true
  if (browse !== undefined && syncpoint) {
    throw new MQError(Reason.OPTIONS_ERROR, 'browse is never under syncpoint')
  }
  const purpose: HandlePurpose = browse === undefined ? 'input' : 'browse'
  handle.queueFor(purpose)
  const msgId = matchIdOf(options.msgId, 'MsgId')
  const correlId = matchIdOf(options.correlId, 'CorrelId')
  if (options.signal?.aborted === true) throw options.signal.reason
  return {
    purpose,
    browse,
    syncpoint,
    msgId,
    correlId,
    msgIdHash: msgId === undefined ? undefined : hashId(msgId),
    correlIdHash: correlId === undefined ? undefined : hashId(correlId),
    waitMs: waitMsOf(options.waitMs),
    signal: options.signal,
    reserve: options.reserve,
    identity: browse === undefined && !syncpoint ? options.request : undefined,
  }
}

/** An identifier to match, or undefined for "any" (absent, or all zero). */
function matchIdOf(id: Uint8Array | undefined, field: string): Uint8Array | undefined {
  if (id === undefined) return undefined
  if (!(id instanceof Uint8Array) || id.length !== MESSAGE_ID_BYTES) {
    throw new MQError(Reason.MD_ERROR, `${field} to match must be ${MESSAGE_ID_BYTES} bytes`)
  }
  return isNoneId(id) ? undefined : new Uint8Array(id)
}

/** 0 (no wait), a positive interval, or -1 / Infinity (MQWI_UNLIMITED). */
function waitMsOf(waitMs: number | undefined): number {
  if (waitMs === undefined) return 0
  if (waitMs === WAIT_UNLIMITED || waitMs === Infinity) return MAX_WAIT_MS
  if (Number.isInteger(waitMs) && waitMs >= 0) return Math.min(waitMs, MAX_WAIT_MS)
  throw new MQError(Reason.WAIT_INTERVAL_ERROR, `waitMs ${waitMs} is not -1 or >= 0`)
}

/**
 * One try: undefined if nothing matches now, else the message (after durability for a
 * persistent destructive get). Throws the reason when the get cannot go on at all.
 */
function attemptGet(
  runtime: EngineRuntime,
  handle: QueueHandle,
  request: GetRequest,
): Promise<GotMessage> | undefined {
  runtime.checkUsable()
  const queue = handle.queueFor(request.purpose)
  if (!queue.attributes.getEnabled || handle.alias?.attributes.getEnabled === false) {
    const name = queue.attributes.getEnabled ? handle.alias!.attributes.name : queue.name
    throw new MQError(Reason.GET_INHIBITED, `GET(DISABLED) on ${name}`)
  }
  const unitOfWork = request.syncpoint ? handle.connection.unitOfWorkWithRoom() : undefined
  const nowMs = runtime.now()
  const slot = queue.firstEligible({
    nowMs,
    after: request.browse === 'next' ? handle.browseCursor : undefined,
    msgIdHash: request.msgIdHash,
    correlIdHash: request.correlIdHash,
    confirm: (candidate) => identifiersMatch(runtime.readStored(queue, candidate), request),
  })
  if (slot < 0) return undefined
  // Before anything is read or taken: a refusal leaves the message where it is.
  request.reserve?.(queue.table.bodyLength[slot]!)
  const stored = runtime.readStored(queue, slot)
  if (request.browse !== undefined) {
    handle.browseCursor = queue.positionOf(slot)
    // A copy: a browsed message stays queued and its body may be the cached one.
    return Promise.resolve(gotMessage(queue, slot, stored, nowMs, new Uint8Array(stored.body)))
  }
  const message = gotMessage(queue, slot, stored, nowMs, stored.body)
  return takeMessage(runtime, queue, slot, unitOfWork, request.identity).then(() => message)
}

function identifiersMatch(stored: StoredMessage, request: GetRequest): boolean {
  const { msgId, correlId } = stored.descriptor
  if (request.msgId !== undefined && !idsEqual(msgId, request.msgId)) return false
  return request.correlId === undefined || idsEqual(correlId, request.correlId)
}

/** Removes (or, under syncpoint, locks) the chosen message; persistent ones through the journal. */
function takeMessage(
  runtime: EngineRuntime,
  queue: LocalQueue,
  slot: number,
  unitOfWork: UnitOfWork | undefined,
  identity: RequestIdentity | undefined,
): Promise<void> {
  const table = queue.table
  queue.getCount++
  if (!table.isPersistent(slot)) {
    if (unitOfWork === undefined) {
      queue.remove(slot)
    } else {
      queue.lockForGet(slot)
      unitOfWork.add(queue, slot, UnitOfWorkOperation.GET)
    }
    return Promise.resolve()
  }
  const record: MessageGetRecord = {
    type: RecordType.MESSAGE_GET,
    queueId: queue.queueId,
    uowId: runtime.uowIdFor(unitOfWork),
    putLsn: table.putLsn[slot]!,
    ...(identity === undefined || unitOfWork !== undefined ? {} : { request: identity }),
  }
  const lsn = runtime.appendAndApply(record, unitOfWork, slot)
  return runtime.durable(lsn)
}

function gotMessage(
  queue: LocalQueue,
  slot: number,
  stored: StoredMessage,
  nowMs: number,
  body: Uint8Array,
): GotMessage {
  const table = queue.table
  const put = stored.descriptor
  const descriptor: MessageDescriptor = {
    msgId: new Uint8Array(put.msgId),
    correlId: new Uint8Array(put.correlId),
    persistent: put.persistent,
    priority: table.priority[slot]!,
    expiry: remainingExpiry(put.expiry, table.expiryAtMs[slot]!, nowMs),
    backoutCount: table.backoutCount[slot]!,
    putTimeMs: put.putTimeMs,
    format: put.format,
    replyToQueue: put.replyToQueue,
    replyToQueueManager: put.replyToQueueManager,
  }
  return { descriptor, body }
}

/** MQ returns the expiry still to run, in tenths, rounded up so a live message never shows 0. */
function remainingExpiry(expiry: number, expiryAtMs: number, nowMs: number): number {
  if (expiry === -1) return -1
  return Math.max(1, Math.ceil((expiryAtMs - nowMs) / MILLISECONDS_PER_TENTH))
}
