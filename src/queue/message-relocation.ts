/**
 * Copy-forward compaction on the engine side: which messages pin old log, relocating one of them
 * (append a MESSAGE_MOVE carrying the whole stored message, applied in the same turn), and the
 * apply of that record, live and at replay alike.
 *
 * Only available (committed, unlocked) persistent messages move. A message put or gotten under a
 * unit of work that has not ended stays where it is until the unit of work ends: moving it would
 * have to carry the unit of work's state into the record, and units of work are short.
 */
import { assert } from '../assert.js'
import { RecordType, type MessageMoveRecord } from '../actors/journal/record-types.js'
import type { EngineRuntime } from './engine-runtime.js'
import type { EngineState } from './engine-state.js'
import { SlotState } from './message-table.js'
import { expiryAtMsOf } from './record-apply.js'

/** A message compaction may move, as found by a scan (revalidated before it moves). */
export interface RelocationCandidate {
  readonly queueId: number
  readonly slot: number
  readonly putLsn: number
  readonly bodyLength: number
}

export interface RelocationScan {
  /** Available persistent messages below the target, ascending put LSN. */
  readonly candidates: RelocationCandidate[]
  /** Persistent messages below the target that a unit of work holds (they stay for now). */
  readonly lockedCount: number
  /** Smallest put LSN among the locked ones, or Infinity. */
  readonly oldestLockedLsn: number
}

/** One pass over every queue's table: O(messages), run once per compaction pass. */
export function scanRelocationCandidates(state: EngineState, belowLsn: number): RelocationScan {
  const candidates: RelocationCandidate[] = []
  let lockedCount = 0
  let oldestLockedLsn = Infinity
  for (const queue of state.queuesById.values()) {
    const table = queue.table
    for (let slot = 0; slot < table.slotLimit; slot++) {
      const putLsn = table.putLsn[slot]!
      if (putLsn >= belowLsn || !table.isPersistent(slot)) continue
      const slotState = table.stateOf(slot)
      if (slotState === SlotState.AVAILABLE) {
        const bodyLength = table.bodyLength[slot]!
        candidates.push({ queueId: queue.queueId, slot, putLsn, bodyLength })
      } else if (slotState === SlotState.PUT_PENDING || slotState === SlotState.GET_PENDING) {
        lockedCount++
        oldestLockedLsn = Math.min(oldestLockedLsn, putLsn)
      }
    }
  }
  candidates.sort((left, right) => left.putLsn - right.putLsn)
  return { candidates, lockedCount, oldestLockedLsn }
}

/**
 * Moves the candidate's message to the log end if it is still there, available and unchanged;
 * returns the MOVE record's LSN, or undefined if the message is gone or locked (a later pass
 * sees it again). Synchronous: the record is appended and applied in this turn; the caller waits
 * for durability (a checkpoint does too before it moves the floor past the old record).
 */
export function relocateMessage(
  runtime: EngineRuntime,
  candidate: RelocationCandidate,
): number | undefined {
  runtime.checkNotFailed()
  const queue = runtime.state.queuesById.get(candidate.queueId)
  if (queue === undefined) return undefined
  const { table } = queue
  const slot = candidate.slot
  if (slot >= table.slotLimit || table.putLsn[slot] !== candidate.putLsn) return undefined
  if (!table.isPersistent(slot) || table.stateOf(slot) !== SlotState.AVAILABLE) return undefined
  const stored = runtime.readStored(queue, slot)
  const record: MessageMoveRecord = {
    type: RecordType.MESSAGE_MOVE,
    queueId: queue.queueId,
    fromPutLsn: candidate.putLsn,
    // The table's backout count is current (backouts change it without a new PUT record).
    descriptor: { ...stored.descriptor, backoutCount: table.backoutCount[slot]! },
    body: stored.body,
  }
  return runtime.appendAndApply(record, undefined, slot)
}

/** Apply of MESSAGE_MOVE: the message named by fromPutLsn is known by `lsn` from now on. */
export function applyMessageMove(state: EngineState, record: MessageMoveRecord, lsn: number): void {
  const queue = state.queueById(record.queueId)
  const table = queue.table
  const hint = state.getSlotHint
  const hinted =
    hint >= 0 &&
    hint < table.slotLimit &&
    table.putLsn[hint] === record.fromPutLsn &&
    table.isPersistent(hint) &&
    table.stateOf(hint) === SlotState.AVAILABLE
  const slot = hinted ? hint : queue.locate(record.fromPutLsn)
  assert(slot >= 0, `apply: MOVE of put LSN ${record.fromPutLsn}, not available on ${queue.name}`)
  const descriptor = record.descriptor
  assert(table.priority[slot] === descriptor.priority, 'apply: a moved message keeps its priority')
  assert(table.bodyLength[slot] === record.body.length, 'apply: a moved message keeps its body')
  assert(table.backoutCount[slot] === descriptor.backoutCount, 'apply: MOVE carries backouts')
  assert(table.expiryAtMs[slot] === expiryAtMsOf(descriptor), 'apply: MOVE keeps the expiry')
  queue.relocate(slot, lsn)
}
