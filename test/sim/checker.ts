/**
 * The simulator's checkers, run as things happen (after every step that changes what they
 * watch), in the style of TigerBeetle's cluster checkers:
 *  - election safety: at most one primary per epoch;
 *  - committed prefixes: every member's log below its commit LSN equals the one committed log
 *    (record by record: LSN, end and CRC), and a commit LSN never runs past the member's log;
 *  - a committed record is never cut, and every new primary holds every committed record
 *    (leader completeness: what makes "never lost" true across failovers);
 *  - clients: the committed log is replayed into a model of the queue; an acknowledged put is
 *    committed exactly once and stays until a committed get; an acknowledged get is committed
 *    and its message never comes back; nothing is in the log that the workload never put;
 *  - engines: a member's engine, whenever it has applied exactly the committed log the model
 *    has replayed, holds the same messages in the same states as the model (so all members'
 *    engines are equal at the same applied LSN).
 */
import { decodeRecord, readRecordHeader } from '../../src/actors/journal/journal-record.js'
import { RecordType } from '../../src/actors/journal/record-types.js'
import { LOG_START_LSN } from '../../src/constants.js'
import { SnapshotMessageState } from '../../src/queue/snapshot.js'
import type { LogRecord } from './sim-log.js'
import type { SimNode } from './sim-node.js'
import { SIM_QUEUE } from './sim-node.js'

const ENGINE_COMPARISON_INTERVAL_MS = 50

type MessageState = 'available' | 'putPending' | 'getPending' | 'gone' | 'backedOut'

interface ModelMessage {
  readonly tag: string
  state: MessageState
}

const STATE_OF_SNAPSHOT: Record<number, MessageState> = {
  [SnapshotMessageState.AVAILABLE]: 'available',
  [SnapshotMessageState.PUT_PENDING]: 'putPending',
  [SnapshotMessageState.GET_PENDING]: 'getPending',
}

/** What the simulation and its members report to a checker (HA: Checker; DR: DrChecker). */
export interface SimChecker {
  readonly violations: readonly string[]
  readonly modelEnd: number
  readonly ackedPutCount: number
  readonly ackedGetCount: number
  readonly engineComparisons: number
  violation(text: string): void
  onPrimary(node: SimNode, epoch: number): void
  onCommit(node: SimNode, commitLsn: number): void
  onCut(node: SimNode, cut: readonly LogRecord[]): void
  onApplied(node: SimNode): void
  compareEngine(node: SimNode): void
  issue(tag: string): void
  ackPut(tag: string, node: SimNode): void
  ackGet(tag: string, node: SimNode): void
}

export class Checker implements SimChecker {
  readonly violations: string[] = []
  private readonly primaryOfEpoch = new Map<number, string>()
  private readonly committed = new Map<number, LogRecord>()
  private readonly issued = new Set<string>()
  private readonly putLsnOfTag = new Map<string, number>()
  private readonly messages = new Map<number, ModelMessage>()
  private readonly unitsOfWork = new Map<number, { puts: number[]; gets: number[] }>()
  private readonly ackedGets = new Set<string>()
  modelEnd = LOG_START_LSN
  ackedPutCount = 0
  ackedGetCount = 0
  engineComparisons = 0

  private readonly lastComparison = new Map<string, number>()

  constructor(
    private readonly trace: (line: string) => void,
    private readonly now: () => number,
  ) {}

  violation(text: string): void {
    this.violations.push(text)
    this.trace(`VIOLATION ${text}`)
  }

  onPrimary(node: SimNode, epoch: number): void {
    const previous = this.primaryOfEpoch.get(epoch)
    if (previous !== undefined && previous !== node.id) {
      this.violation(`two primaries in epoch ${epoch}: ${previous} and ${node.id}`)
    }
    this.primaryOfEpoch.set(epoch, node.id)
    for (const [lsn, record] of this.committed) {
      if (lsn < node.log.startLsn) continue
      if (node.log.get(lsn)?.checksum !== record.checksum) {
        this.violation(`${node.id} primary in epoch ${epoch} lacks committed record ${lsn}`)
        return
      }
    }
  }

  onCommit(node: SimNode, commitLsn: number): void {
    if (commitLsn > node.log.endLsn) {
      this.violation(`${node.id} commits to ${commitLsn} but its log ends at ${node.log.endLsn}`)
      return
    }
    let expected = node.checkedCommit
    for (const record of node.log.range(node.checkedCommit, commitLsn)) {
      if (record.end > commitLsn) break
      if (record.lsn !== expected) {
        this.violation(`${node.id}: committed log has a hole at ${expected}`)
        return
      }
      const known = this.committed.get(record.lsn)
      if (known === undefined) this.committed.set(record.lsn, record)
      else if (known.checksum !== record.checksum || known.end !== record.end) {
        this.violation(`committed records differ at ${record.lsn} (${node.id})`)
        return
      }
      expected = record.end
    }
    node.checkedCommit = Math.max(node.checkedCommit, commitLsn)
    this.advanceModel()
  }

  onCut(node: SimNode, cut: readonly LogRecord[]): void {
    for (const record of cut) {
      const known = this.committed.get(record.lsn)
      if (known !== undefined && known.checksum === record.checksum) {
        this.violation(`${node.id} cut committed record ${record.lsn}`)
        return
      }
    }
  }

  /**
   * A member's engine applied records; compare it with the model if they are level, at most
   * once per ENGINE_COMPARISON_INTERVAL_MS per member (a snapshot costs; the end of every run
   * compares every member once more).
   */
  onApplied(node: SimNode): void {
    if (node.live || node.appliedEnd !== this.modelEnd) return
    const last = this.lastComparison.get(node.id) ?? -Infinity
    if (this.now() - last < ENGINE_COMPARISON_INTERVAL_MS) return
    this.lastComparison.set(node.id, this.now())
    this.compareEngine(node)
  }

  issue(tag: string): void {
    this.issued.add(tag)
  }

  ackPut(tag: string): void {
    this.ackedPutCount++
    const putLsn = this.putLsnOfTag.get(tag)
    const state = putLsn === undefined ? undefined : this.messages.get(putLsn)?.state
    if (state === undefined || state === 'putPending' || state === 'backedOut') {
      this.violation(`acknowledged put ${tag} is not committed (state ${state ?? 'absent'})`)
    }
  }

  ackGet(tag: string): void {
    this.ackedGetCount++
    if (this.ackedGets.has(tag)) this.violation(`message ${tag} acknowledged as got twice`)
    this.ackedGets.add(tag)
    const putLsn = this.putLsnOfTag.get(tag)
    const state = putLsn === undefined ? undefined : this.messages.get(putLsn)?.state
    if (state !== 'gone') {
      this.violation(`acknowledged get of ${tag} is not committed (state ${state ?? 'absent'})`)
    }
  }

  /** Replays newly committed records, in LSN order, into the model of the queue. */
  private advanceModel(): void {
    for (;;) {
      const record = this.committed.get(this.modelEnd)
      if (record === undefined) return
      this.applyToModel(record)
      this.modelEnd = record.end
    }
  }

  private applyToModel(record: LogRecord): void {
    const check = readRecordHeader(record.bytes, 0, record.bytes.length, record.lsn)
    if (check.kind !== 'ok') {
      this.violation(`committed record ${record.lsn} does not read back`)
      return
    }
    const decoded = decodeRecord(record.bytes, 0, check.header)
    switch (decoded.type) {
      case RecordType.MESSAGE_PUT: {
        const tag = new TextDecoder().decode(decoded.body)
        if (!this.issued.has(tag)) this.violation(`committed PUT of ${tag}, never put by a client`)
        if (this.putLsnOfTag.has(tag)) this.violation(`message ${tag} committed twice`)
        this.putLsnOfTag.set(tag, record.lsn)
        const state = decoded.uowId === 0 ? 'available' : 'putPending'
        this.messages.set(record.lsn, { tag, state })
        if (decoded.uowId !== 0) this.unitOfWork(decoded.uowId).puts.push(record.lsn)
        break
      }
      case RecordType.MESSAGE_GET: {
        const message = this.messages.get(decoded.putLsn)
        if (message === undefined || message.state !== 'available') {
          this.violation(`committed GET of message ${decoded.putLsn} in state ${message?.state}`)
          return
        }
        message.state = decoded.uowId === 0 ? 'gone' : 'getPending'
        if (decoded.uowId !== 0) this.unitOfWork(decoded.uowId).gets.push(decoded.putLsn)
        break
      }
      case RecordType.UOW_COMMIT:
      case RecordType.UOW_BACKOUT:
        this.endUnitOfWork(decoded.uowId, decoded.type === RecordType.UOW_COMMIT)
        break
      default:
        break
    }
  }

  private unitOfWork(uowId: number): { puts: number[]; gets: number[] } {
    let unit = this.unitsOfWork.get(uowId)
    if (unit === undefined) {
      unit = { puts: [], gets: [] }
      this.unitsOfWork.set(uowId, unit)
    }
    return unit
  }

  private endUnitOfWork(uowId: number, commit: boolean): void {
    const unit = this.unitsOfWork.get(uowId)
    this.unitsOfWork.delete(uowId)
    if (unit === undefined) return
    for (const putLsn of unit.puts)
      this.messages.get(putLsn)!.state = commit ? 'available' : 'backedOut'
    for (const putLsn of unit.gets) {
      const message = this.messages.get(putLsn)!
      message.state = commit ? 'gone' : 'available'
      if (!commit && this.ackedGets.has(message.tag)) {
        this.violation(`message ${message.tag} reappeared after an acknowledged get`)
      }
    }
  }

  /** The engine holds exactly the model's messages, in the model's states. */
  compareEngine(node: SimNode): void {
    this.engineComparisons++
    const snapshot = node.engine.snapshot()
    const queue = snapshot.queues.find((candidate) => candidate.attributes.name === SIM_QUEUE)
    // Keyed by put LSN, no strings: this runs often and the model holds every message ever put.
    const actual = new Map<number, MessageState | undefined>()
    if (queue !== undefined) {
      for (let index = 0; index < queue.messages.count; index++) {
        actual.set(queue.messages.putLsn[index]!, STATE_OF_SNAPSHOT[queue.messages.state[index]!])
      }
    }
    const missing: string[] = []
    let matched = 0
    for (const [putLsn, message] of this.messages) {
      if (message.state === 'gone' || message.state === 'backedOut') continue
      if (actual.has(putLsn) && actual.get(putLsn) === message.state) matched++
      else missing.push(`${putLsn}:${message.state}`)
    }
    if (missing.length === 0 && matched === actual.size) return
    const extra: string[] = []
    for (const [putLsn, state] of actual) {
      const message = this.messages.get(putLsn)
      if (message?.state !== state) extra.push(`${putLsn}:${state}`)
    }
    const detail = `missing ${missing.slice(0, 3).join(',')} extra ${extra.slice(0, 3).join(',')}`
    this.violation(`${node.id} engine at ${node.appliedEnd} differs from the log: ${detail}`)
  }
}
