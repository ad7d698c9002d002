/**
 * One member in the simulator: the replication core (src/replication/replica.ts), its journal
 * (real record bytes, sim-log.ts), its disk (sim-disk.ts) and a REAL queue engine
 * (src/queue/engine.ts) behind a simulated JournalPort whose waitDurable resolves at commit.
 * This file is the shell the real actors will be: it performs the core's effects.
 *
 * Engine modes: a secondary's engine is a hot standby that applies committed records as they
 * commit; a primary's engine goes live at PRIMARY_READY (after backing out units of work left
 * open) and appends through the port. A primary that steps down, a restart and a checkpoint
 * install rebuild the engine by replaying the log (as recovery does).
 */
import { deserialize, serialize } from 'node:v8'
import { AssertionError, assert } from '../../src/assert.js'
import {
  decodePutRecord,
  decodeRecord,
  readRecordHeader,
} from '../../src/actors/journal/journal-record.js'
import {
  RecordType,
  type JournalRecord,
  type MessagePutRecord,
} from '../../src/actors/journal/record-types.js'
import { QueueEngine, type EngineSnapshot } from '../../src/queue/engine.js'
import type { JournalPort } from '../../src/queue/journal-port.js'
import type { SimulationBug } from '../../src/replication/bugs.js'
import {
  EffectType,
  InputType,
  type ReplicaEffect,
  type ReplicaInput,
  type Role,
} from '../../src/replication/effects.js'
import type { EpochRun } from '../../src/replication/epoch-history.js'
import {
  MessageType,
  type AppendMessage,
  type ReplicaMessage,
} from '../../src/replication/messages.js'
import { Replica, type HardState } from '../../src/replication/replica.js'
import type { CommitPolicyKind } from '../../src/replication/quorum.js'
import type { ReplicationSettings } from '../../src/replication/settings.js'
import type { SimChecker } from './checker.js'
import { MAX_REPLICATION_APPEND_BYTES } from '../../src/constants.js'
import type { EventQueue } from './event-queue.js'
import type { Prng } from './prng.js'
import { SimDisk, type DiskProfile } from './sim-disk.js'
import { parseRecords, SimLog, type LogRecord } from './sim-log.js'
import type { SimNetwork } from './sim-network.js'

export const SIM_QUEUE = 'SIM.Q'
/** Wall-clock origin of the simulated clock (engine put times): 2026-01-01. */
const CLOCK_ORIGIN_MS = 1_767_225_600_000
export const TICK_MS = 5

export interface SimContext {
  readonly queue: EventQueue
  readonly network: SimNetwork
  readonly members: readonly string[]
  readonly policy: CommitPolicyKind
  readonly checker: SimChecker
  readonly bugs: ReadonlySet<SimulationBug>
  readonly settings: ReplicationSettings
  readonly diskProfile: DiskProfile
  trace(line: string): void
  /** The member crashed (a fault, a failed fsync, an assertion): the run schedules a restart. */
  crashed(node: SimNode): void
  /** Promises were settled: the simulation drains microtasks before the next event. */
  markDirty(): void
  /** Something worth proving the run exercised happened (statistics). */
  counted(what: 'appendPart'): void
}

export interface SimCheckpoint {
  readonly lsn: number
  readonly snapshot: EngineSnapshot
  /** PUT records of live messages below lsn: the checkpoint carries them (bodies). */
  readonly puts: ReadonlyMap<number, LogRecord>
  /** The epoch history up to lsn (Kafka keeps it in a file beside the log). */
  readonly history: readonly EpochRun[]
}

/**
 * A checkpoint as bytes, as the real shell sends it (CheckpointMessage.payload is bytes): the
 * structured-clone serialisation keeps the snapshot's typed arrays and the Map of PUT records.
 */
function encodeCheckpoint(checkpoint: SimCheckpoint): Uint8Array {
  return serialize(checkpoint)
}

function decodeCheckpoint(bytes: Uint8Array): SimCheckpoint {
  return deserialize(bytes) as SimCheckpoint
}

interface Waiter {
  readonly lsn: number
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

class NotPrimaryError extends Error {}

/** The engine's journal: appends go to the member's log, "durable" means committed. */
class SimJournalPort implements JournalPort {
  closed = false
  private waiters: Waiter[] = []

  constructor(private readonly node: SimNode) {}

  append(record: JournalRecord): number {
    if (this.closed || !this.node.live) throw new NotPrimaryError('not the serving primary')
    return this.node.appendLocal(record)
  }

  waitDurable(lsn: number): Promise<void> {
    if (this.closed) return Promise.reject(new NotPrimaryError('deposed'))
    if (lsn < this.node.commitLsn) return Promise.resolve()
    return new Promise((resolve, reject) => this.waiters.push({ lsn, resolve, reject }))
  }

  readPut(putLsn: number): MessagePutRecord {
    return this.node.readPut(putLsn)
  }

  committed(commitLsn: number): void {
    const ready = this.waiters.filter((waiter) => waiter.lsn < commitLsn)
    if (ready.length === 0) return
    this.waiters = this.waiters.filter((waiter) => waiter.lsn >= commitLsn)
    for (const waiter of ready) waiter.resolve()
  }

  close(): void {
    this.closed = true
    const waiters = this.waiters
    this.waiters = []
    for (const waiter of waiters) waiter.reject(new NotPrimaryError('deposed'))
  }
}

export class SimNode {
  alive = false
  /** Survive crashes: the hard state file, the log's durable part, the latest checkpoint. */
  hardState: HardState = { epoch: 0, votedFor: undefined }
  log = new SimLog()
  checkpoint: SimCheckpoint | undefined
  replica!: Replica
  disk!: SimDisk
  engine!: QueueEngine
  port!: SimJournalPort
  /** Records below this are applied to the engine. */
  appliedEnd = 0
  /** The engine is live (primary, ready): it appends, standby apply is off. */
  live = false
  serving = false
  role: Role = 'secondary'
  epoch = 0
  commitLsn = 0
  /** The commit LSN the checker has verified this member's log up to. */
  checkedCommit = 0
  private retentionFloor = 0
  private pendingFrom: number | undefined
  private life = 0
  /** Simulated time this member became primary, or undefined. */
  primarySince: number | undefined
  /** DR: primary by the administrator's choice, not demoted since (a crash keeps it: the
   *  member restarts as primary, as RDQM's does). Such a member's log is never cut. */
  adminPrimary = false
  /** The reason of the last REFUSED effect (admin requests). */
  lastRefusal: string | undefined
  /** A GC-pause-like freeze: no ticks, no messages, no I/O completions until thawed. */
  frozen = false
  /** Freezes so far: a thaw scheduled for an earlier freeze does not end a later one. */
  freezes = 0
  private frozenInputs: ReplicaInput[] = []
  private frozenTicks = 0
  private frozenCallbacks: (() => void)[] = []
  /** HA: thawed from a pause longer than the dead time while primary: must step down before
   *  committing anything (check-quorum sees the pause through the ticks it missed). */
  private mustStepDown = false

  constructor(
    readonly id: string,
    private readonly context: SimContext,
    private readonly prng: Prng,
  ) {}

  get policy(): CommitPolicyKind {
    return this.context.policy
  }

  get status(): ReturnType<Replica['status']> {
    return this.replica.status()
  }

  // ---- Life cycle ----

  start(): void {
    assert(!this.alive, 'sim: start a stopped member')
    this.alive = true
    this.life++
    const life = this.life
    const startLsn = this.log.startLsn
    const commitLsn = this.checkpoint?.lsn ?? startLsn
    this.replica = new Replica({
      id: this.id,
      members: this.context.members,
      policy: this.context.policy,
      settings: this.context.settings,
      random: (bound) => this.prng.below(bound),
      hardState: this.hardState,
      log: { startLsn, endLsn: this.log.endLsn, history: this.recoveredHistory() },
      commitLsn,
      bugs: this.context.bugs,
      ...(this.policy !== 'majority' && this.adminPrimary ? { startAsPrimary: true } : {}),
    })
    this.role = 'secondary'
    this.primarySince = undefined
    this.frozen = false
    this.frozenInputs = []
    this.frozenTicks = 0
    this.frozenCallbacks = []
    this.mustStepDown = false
    this.epoch = this.hardState.epoch
    this.commitLsn = commitLsn
    this.checkedCommit = commitLsn
    this.retentionFloor = startLsn
    this.pendingFrom = undefined
    this.disk = new SimDisk(
      this.context.queue,
      this.prng.fork(),
      this.context.diskProfile,
      this.log.endLsn,
      (lsn) => this.step({ type: InputType.LOCAL_DURABLE, lsn }),
      () => this.crash('fsync failed'),
    )
    if (this.checkpoint !== undefined) {
      this.step({ type: InputType.CHECKPOINT_TAKEN, lsn: this.checkpoint.lsn })
    }
    this.rebuildEngine()
    this.context.trace(`${this.id} start epoch ${this.epoch} log [${startLsn}, ${this.log.endLsn})`)
    const offset = this.prng.between(0, TICK_MS - 1)
    this.context.queue.schedule(offset, 'tick', () => this.tick(life))
  }

  /** Epoch history: the checkpoint's runs below the log, then the runs the log's records show. */
  private recoveredHistory(): EpochRun[] {
    const fromLog = this.log.history()
    const first = fromLog[0]
    if (first === undefined) return [...(this.checkpoint?.history ?? [])]
    const saved = (this.checkpoint?.history ?? []).filter(
      (run) => run.startLsn < first.startLsn && run.epoch <= first.epoch,
    )
    // A run that began before the log start continues into it: keep its true start.
    if (saved[saved.length - 1]?.epoch === first.epoch) fromLog.shift()
    return [...saved, ...fromLog]
  }

  crash(reason: string): void {
    if (!this.alive) return
    this.alive = false
    this.disk.stop()
    this.port.close()
    this.context.markDirty()
    this.live = false
    this.serving = false
    this.log = this.log.crashCopy(this.disk.durableLsn, this.prng)
    this.context.trace(
      `${this.id} CRASH (${reason}); log kept [${this.log.startLsn}, ${this.log.endLsn})`,
    )
    this.context.crashed(this)
  }

  private tick(life: number): void {
    if (!this.alive || life !== this.life) return
    this.step({ type: InputType.TICK })
    this.context.queue.schedule(TICK_MS, 'tick', () => this.tick(life))
  }

  receive(message: ReplicaMessage): void {
    if (!this.alive) return
    this.step({ type: InputType.MESSAGE, message })
  }

  /** Freezes the member (a stop-the-world pause): its inputs wait until thaw(). */
  freeze(): void {
    assert(this.alive && !this.frozen, 'sim: freeze a running member')
    this.frozen = true
    this.freezes++
    this.context.trace(`${this.id} FREEZE (${this.role}, epoch ${this.epoch})`)
  }

  /**
   * The pause ends. The shell, like the real one reading a monotonic clock, first delivers the
   * ticks the pause swallowed (so check-quorum sees it), then what arrived meanwhile, in order.
   */
  thaw(): void {
    if (!this.alive || !this.frozen) return
    this.frozen = false
    const ticks = this.frozenTicks
    const inputs = this.frozenInputs
    const callbacks = this.frozenCallbacks
    this.frozenTicks = 0
    this.frozenInputs = []
    this.frozenCallbacks = []
    this.context.trace(`${this.id} THAW after ${ticks} ticks, ${inputs.length} inputs waiting`)
    const minimum = this.context.settings.deadTimeTicks
    this.mustStepDown =
      this.role === 'primary' && this.context.policy === 'majority' && ticks > minimum
    for (let tick = 0; tick < ticks; tick++) this.step({ type: InputType.TICK })
    for (const input of inputs) this.step(input)
    for (const callback of callbacks) if (this.alive) callback()
    this.context.markDirty()
  }

  /** Runs `callback` now, or at thaw if frozen (engine timers). */
  private whenAwake(callback: () => void): void {
    if (this.frozen) this.frozenCallbacks.push(callback)
    else callback()
  }

  /** An admin request (promote, demote): the refusal reason, or undefined if done. */
  admin(type: typeof InputType.PROMOTE | typeof InputType.DEMOTE): string | undefined {
    this.lastRefusal = undefined
    this.step({ type })
    if (type === InputType.DEMOTE && this.lastRefusal === undefined) this.adminPrimary = false
    return this.lastRefusal
  }

  step(input: ReplicaInput): void {
    if (!this.alive) return
    if (this.frozen) {
      if (input.type === InputType.TICK) this.frozenTicks++
      else this.frozenInputs.push(input)
      return
    }
    let effects: ReplicaEffect[]
    try {
      effects = this.replica.step(input)
    } catch (error) {
      if (!(error instanceof AssertionError)) throw error
      this.context.checker.violation(`${this.id}: core assertion: ${error.message}`)
      this.crash('assertion')
      return
    }
    for (const effect of effects) {
      if (!this.alive) return
      try {
        this.perform(effect)
      } catch (error) {
        if (!(error instanceof AssertionError)) throw error
        this.context.checker.violation(`${this.id}: shell assertion: ${error.message}`)
        this.crash('assertion')
        return
      }
    }
  }

  // ---- Effects ----

  private perform(effect: ReplicaEffect): void {
    switch (effect.type) {
      case EffectType.SEND:
        this.context.network.send(effect.message)
        break
      case EffectType.SEND_APPEND:
        this.sendAppend(effect.request)
        break
      case EffectType.SEND_CHECKPOINT:
        this.sendCheckpoint(effect.to, effect.epoch, effect.lsn, effect.history)
        break
      case EffectType.PERSIST_HARD_STATE:
        this.hardState = { epoch: effect.epoch, votedFor: effect.votedFor }
        break
      case EffectType.WRITE:
        this.writeVerbatim(effect.fromLsn, effect.message)
        break
      case EffectType.TRUNCATE:
        this.truncate(effect.fromLsn)
        break
      case EffectType.INSTALL_CHECKPOINT:
        this.installCheckpoint(decodeCheckpoint(effect.message.payload))
        break
      case EffectType.APPEND_EPOCH_START:
        this.appendEpochStart(effect.epoch, effect.previousEpoch)
        break
      case EffectType.COMMIT:
        this.committed(effect.lsn)
        break
      case EffectType.ROLE:
        this.roleChanged(effect.role, effect.epoch)
        break
      case EffectType.PRIMARY_READY:
        this.primaryReady()
        break
      case EffectType.ACCEPT_WRITES:
        this.serving = effect.accept && this.live
        break
      case EffectType.RETENTION_FLOOR:
        this.retentionFloor = effect.lsn
        break
      case EffectType.REFUSED:
        this.lastRefusal = effect.reason
        this.context.trace(`${this.id} refused ${effect.request}: ${effect.reason}`)
        break
      default:
        throw new Error(`sim: unhandled effect ${JSON.stringify(effect)}`)
    }
  }

  private sendAppend(request: Omit<AppendMessage, 'payload'>): void {
    const records = this.log.range(request.prevLsn, request.endLsn)
    // The core may cut a long range where it knows no record boundary: keep whole records only
    // (at least one: a record never spans more than the limit, but a seal's gap may).
    while (records.length > 1 && records[records.length - 1]!.end > request.endLsn) records.pop()
    if (records[records.length - 1]?.end !== request.endLsn) this.context.counted('appendPart')
    if (records.length > 0) {
      assert(records[0]!.lsn === request.prevLsn, 'sim: a range starts at a record')
      const end = records[records.length - 1]!.end
      assert(end <= request.endLsn || records.length === 1, 'sim: a range ends at a record')
      assert(end - request.prevLsn <= MAX_REPLICATION_APPEND_BYTES, 'sim: an APPEND fits a frame')
    }
    const endLsn = records[records.length - 1]?.end ?? request.endLsn
    let size = 0
    for (const record of records) size += record.bytes.length
    // One record (the common case while pipelining) is sent as is: record bytes are immutable
    // once sealed, so no copy is needed.
    let payload = records.length === 1 ? records[0]!.bytes : new Uint8Array(size)
    if (records.length > 1) {
      let offset = 0
      for (const record of records) {
        payload.set(record.bytes, offset)
        offset += record.bytes.length
      }
    }
    if (records.length === 0) payload = new Uint8Array(0)
    // Fields spelled out: an object spread of the request is slow on this hot path.
    const message: AppendMessage = {
      type: request.type,
      from: request.from,
      to: request.to,
      epoch: request.epoch,
      prevLsn: request.prevLsn,
      prevEpoch: request.prevEpoch,
      endLsn,
      entriesEpoch: request.entriesEpoch,
      commitLsn: request.commitLsn,
      payload,
    }
    this.context.network.send(message)
  }

  private sendCheckpoint(
    to: string,
    epoch: number,
    lsn: number,
    history: readonly EpochRun[],
  ): void {
    const checkpoint = this.checkpoint
    assert(checkpoint !== undefined && checkpoint.lsn === lsn, 'sim: the checkpoint asked for')
    this.context.network.send({
      type: MessageType.CHECKPOINT,
      from: this.id,
      to,
      epoch,
      lsn,
      history,
      payload: encodeCheckpoint(checkpoint),
    })
  }

  /** A secondary writes the primary's records verbatim, after checking every header. */
  private writeVerbatim(fromLsn: number, message: AppendMessage): void {
    const records = parseRecords(message.payload, message.prevLsn).filter((r) => r.lsn >= fromLsn)
    assert(records.length > 0 && records[0]!.lsn === fromLsn, 'sim: the write starts at a record')
    assert(records[records.length - 1]!.end === message.endLsn, 'sim: all records arrived intact')
    for (const record of records) {
      assert(record.epoch === message.entriesEpoch, 'sim: records of the announced epoch')
    }
    this.log.appendVerbatim(records)
    this.disk.requestSync(this.log.endLsn)
  }

  private truncate(fromLsn: number): void {
    // DR: a forced promotion's loser cuts committed records too; they are committed no more.
    this.commitLsn = Math.min(this.commitLsn, fromLsn)
    this.checkedCommit = Math.min(this.checkedCommit, fromLsn)
    const cut = this.log.truncateFrom(fromLsn)
    this.disk.truncated(fromLsn)
    this.context.trace(`${this.id} cut [${fromLsn}, ${cut[cut.length - 1]?.end}) aside`)
    this.context.checker.onCut(this, cut)
    if (this.appliedEnd > fromLsn) this.rebuildEngine()
  }

  private installCheckpoint(checkpoint: SimCheckpoint): void {
    this.context.trace(
      `${this.id} installs checkpoint at ${checkpoint.lsn} ${JSON.stringify(checkpoint.history)}`,
    )
    this.checkpoint = checkpoint
    this.log.resetTo(checkpoint.lsn)
    this.disk.reset(checkpoint.lsn)
    this.commitLsn = Math.max(this.commitLsn, checkpoint.lsn)
    this.checkedCommit = checkpoint.lsn
    this.rebuildEngine()
  }

  private appendEpochStart(epoch: number, previousEpoch: number): void {
    assert(this.pendingFrom === undefined, 'sim: nothing pending before an epoch starts')
    const { added } = this.log.appendLocal({ type: RecordType.EPOCH_START, previousEpoch }, epoch)
    this.pendingFrom = added[0]!.lsn
    this.flush()
  }

  private committed(lsn: number): void {
    if (this.mustStepDown && this.role === 'primary') {
      this.context.checker.violation(
        `${this.id} thawed from a pause as primary and committed to ${lsn} before stepping down`,
      )
    }
    this.commitLsn = lsn
    this.context.checker.onCommit(this, lsn)
    if (this.live) {
      this.port.committed(lsn)
      this.context.markDirty()
    } else {
      this.applyCommitted()
    }
  }

  private roleChanged(role: Role, epoch: number): void {
    const wasPrimary = this.role === 'primary'
    this.role = role
    this.epoch = epoch
    if (role !== 'primary') this.mustStepDown = false
    if (role === 'primary' && !wasPrimary) this.primarySince = this.context.queue.now
    if (role !== 'primary') this.primarySince = undefined
    if (role === 'primary') this.adminPrimary = true
    this.context.trace(`${this.id} is ${role} in epoch ${epoch}`)
    if (role === 'primary') this.context.checker.onPrimary(this, epoch)
    if (wasPrimary && role !== 'primary') {
      // Deposed: unacknowledged work fails, the engine goes back to committed state only.
      if (this.pendingFrom !== undefined) {
        this.log.truncateFrom(this.pendingFrom)
        this.pendingFrom = undefined
      }
      this.rebuildEngine()
    }
  }

  private primaryReady(): void {
    this.applyCommitted()
    assert(this.appliedEnd === this.log.endLsn, 'sim: a ready primary has applied its whole log')
    this.live = true
    this.serving = this.status.acceptingWrites
    this.context.trace(`${this.id} serves epoch ${this.epoch} from ${this.log.endLsn}`)
    const engine = this.engine
    // Recovery's end: units of work the old primary left open are backed out (UOW_BACKOUT).
    void engine.rollBackIncompleteUnitsOfWork().catch(() => 0)
    if (engine.listQueues(SIM_QUEUE).length === 0) {
      void engine.defineQueue({ name: SIM_QUEUE, maxDepth: 100_000 }).catch(() => undefined)
    }
    this.context.markDirty()
  }

  // ---- Local appends (primary) ----

  appendLocal(record: JournalRecord): number {
    const { lsn, added } = this.log.appendLocal(record, this.epoch)
    this.pendingFrom ??= added[0]!.lsn
    this.appliedEnd = this.log.endLsn
    return lsn
  }

  /** End of a simulation step: the batch of local appends is final; hand it to the core. */
  flush(): void {
    if (this.pendingFrom === undefined || !this.alive || this.frozen) return
    const startLsn = this.pendingFrom
    this.pendingFrom = undefined
    this.log.seal(startLsn)
    const endLsn = this.log.endLsn
    this.step({ type: InputType.LOCAL_APPEND, startLsn, endLsn, epoch: this.epoch })
    this.disk.requestSync(endLsn)
  }

  readPut(putLsn: number): MessagePutRecord {
    const record = this.log.get(putLsn) ?? this.checkpoint?.puts.get(putLsn)
    // The message is built only on failure: this runs for every get.
    if (record === undefined) assert(false, `sim: ${this.id} has the PUT at ${putLsn}`)
    return decodePutRecord(record.bytes, 0, record.bytes.length, putLsn)
  }

  // ---- The engine ----

  private newEngine(): QueueEngine {
    this.port = new SimJournalPort(this)
    const queue = this.context.queue
    const prng = this.prng
    return new QueueEngine({
      journal: this.port,
      queueManagerName: 'SIM',
      now: () => CLOCK_ORIGIN_MS + queue.now,
      timers: {
        setTimeout: (callback, delayMs) => {
          const timer = { cancelled: false }
          queue.schedule(delayMs, 'engine timer', () => {
            if (!timer.cancelled) this.whenAwake(callback)
          })
          return timer
        },
        clearTimeout: (timer) => {
          ;(timer as { cancelled: boolean }).cancelled = true
        },
      },
      randomBytes: (count) => prng.bytes(count),
    })
  }

  /** Replays the log (from the checkpoint, if any) up to the commit LSN: recovery. */
  rebuildEngine(): void {
    this.port?.close()
    this.context.markDirty()
    this.live = false
    this.serving = false
    this.engine = this.newEngine()
    this.appliedEnd = this.log.startLsn
    if (this.checkpoint !== undefined && this.checkpoint.lsn >= this.log.startLsn) {
      this.engine.restore(this.checkpoint.snapshot)
      this.appliedEnd = this.checkpoint.lsn
    }
    this.applyCommitted()
  }

  /** Hot standby: apply every committed record not applied yet. */
  private applyCommitted(): void {
    if (this.live) return
    const records = this.log.range(this.appliedEnd, this.commitLsn)
    for (const record of records) {
      if (record.lsn !== this.appliedEnd) break
      if (record.end > this.commitLsn) break
      const check = readRecordHeader(record.bytes, 0, record.bytes.length, record.lsn)
      assert(check.kind === 'ok', `sim: a committed record at ${record.lsn} reads back`)
      this.engine.apply(decodeRecord(record.bytes, 0, check.header), record.lsn)
      this.appliedEnd = record.end
    }
    this.context.checker.onApplied(this)
  }

  // ---- Checkpoints and retention ----

  /** Takes a checkpoint of the standby engine and retires the log below what all need. */
  takeCheckpoint(): void {
    if (!this.alive || this.frozen) return
    // A live primary's engine also holds uncommitted records, except when all is committed.
    if (this.live && (this.appliedEnd !== this.commitLsn || this.pendingFrom !== undefined)) return
    const lsn = this.appliedEnd
    // DR: a primary checkpoints only what its secondary has (a forced promotion may fork the
    // rest away, and a checkpoint cannot be cut).
    if (lsn > this.replica.status().checkpointLimitLsn) return
    if (lsn > this.disk.durableLsn || lsn <= (this.checkpoint?.lsn ?? this.log.startLsn)) return
    const snapshot = this.engine.snapshot()
    const puts = new Map<number, LogRecord>()
    for (const queue of snapshot.queues) {
      for (let index = 0; index < queue.messages.count; index++) {
        const putLsn = queue.messages.putLsn[index]!
        const record = this.log.get(putLsn) ?? this.checkpoint?.puts.get(putLsn)
        assert(record !== undefined, 'sim: a live message has its PUT record')
        puts.set(putLsn, record)
      }
    }
    const history = this.replica.epochHistory.filter((run) => run.startLsn < lsn)
    this.checkpoint = { lsn, snapshot, puts, history }
    this.step({ type: InputType.CHECKPOINT_TAKEN, lsn })
    const retireTo = Math.min(lsn, this.retentionFloor)
    if (retireTo > this.log.startLsn && this.log.get(retireTo) !== undefined) {
      this.log.retireBelow(retireTo)
      this.step({ type: InputType.LOG_RETIRED, lsn: retireTo })
    }
  }

  /** Bodies as the checker reads them: a PUT record's body text. */
  static tagOf(record: MessagePutRecord): string {
    return new TextDecoder().decode(record.body)
  }
}
