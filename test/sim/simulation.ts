/**
 * Runs one seed: a 3-member HA group in one thread, a simulated clock, a faulty network and
 * faulty disks, crashes and restarts, a client workload, and the checkers after every step.
 *
 * A run has two phases. Faults: for faultMs, the seed's fault profile (VOPR's "swarm testing":
 * every seed draws its own rates, so some seeds are calm and some are storms) injects crashes,
 * restarts, symmetric and one-way partitions, packet loss, duplication and reordering, slow and
 * failing fsyncs and torn writes. Liveness: then the network heals, crashed members restart and
 * faults stop; a primary must be elected and acknowledge a put within livenessMs.
 *
 * The engine is async: after any step that settled a promise, the run waits for a macrotask
 * (setImmediate), by which time every microtask has run; no real time passes in the model.
 */
import { SIMULATION_BUGS, type SimulationBug } from '../../src/replication/bugs.js'
import { InputType } from '../../src/replication/effects.js'
import type { ReplicaMessage } from '../../src/replication/messages.js'
import {
  DEFAULT_REPLICATION_SETTINGS,
  type ReplicationSettings,
} from '../../src/replication/settings.js'
import { Checker, type SimChecker } from './checker.js'
import { DrChecker, type DrWorld } from './dr-checker.js'
import { EventQueue } from './event-queue.js'
import { Prng } from './prng.js'
import type { DiskProfile } from './sim-disk.js'
import { HEALTHY_NETWORK, SimNetwork, type NetworkProfile } from './sim-network.js'
import { SimNode, TICK_MS, type SimContext } from './sim-node.js'
import { Workload } from './workload.js'

/** ha: a 3-member HA group (majority); drAsync and drSync: a DR pair under that policy. */
export type SimulationMode = 'ha' | 'drAsync' | 'drSync'
export const SIMULATION_MODES: readonly SimulationMode[] = ['ha', 'drAsync', 'drSync']

export interface SimulationOptions {
  readonly seed: number
  /** Default ha. */
  readonly mode?: SimulationMode
  readonly bugs?: ReadonlySet<SimulationBug>
  readonly trace?: boolean
  readonly faultMs?: number
  readonly livenessMs?: number
  /** Stop at the first violation (default true). */
  readonly stopEarly?: boolean
}

export interface SimulationResult {
  readonly seed: number
  readonly violations: readonly string[]
  readonly trace: readonly string[]
  readonly profile: string
  readonly stats: {
    readonly simulatedMs: number
    readonly events: number
    readonly messages: number
    readonly ackedPuts: number
    readonly ackedGets: number
    readonly committedEnd: number
    readonly crashes: number
    readonly partitions: number
    readonly engineComparisons: number
    /** APPENDs cut at the APPEND limit (the shell found the record boundary). */
    readonly appendParts: number
    /** GC-pause-like freezes, and those after which the frozen primary found itself deposed. */
    readonly pauses: number
    readonly pausedPrimariesDeposed: number
    /** DR: promotions done, refused, and acknowledged puts found only saved aside. */
    readonly promotions: number
    readonly promotionsRefused: number
    readonly savedAsideAcked: number
    readonly syncCommits: number
  }
}

export const FAULT_KINDS = [
  'crash',
  'partition',
  'one-way partition',
  'bridge',
  'heal',
  'pause',
  'switch',
  'force',
] as const
type FaultKind = (typeof FAULT_KINDS)[number]
/** DR pairs have no bridge (two members); switch and force are DR admin actions. */
const HA_FAULTS: readonly FaultKind[] = [
  'crash',
  'partition',
  'one-way partition',
  'bridge',
  'heal',
  'pause',
]
const DR_FAULTS: readonly FaultKind[] = [
  'crash',
  'partition',
  'one-way partition',
  'heal',
  'pause',
  'switch',
  'force',
]

const HA_MEMBERS = ['r1', 'r2', 'r3'] as const
const DR_MEMBERS = ['dr1', 'dr2'] as const
/** The DR operator looks for a primary this often, and promotes one when there is none. */
const ADMIN_INTERVAL_MS = 40
const CLIENTS = 3
const CHECKPOINT_INTERVAL_MS = 150
const SETTLE_MS = 300

/**
 * Settings drawn per seed around the defaults. Small windows, so that catch-up, retention and
 * the checkpoint path are exercised; and a dead time sometimes well above the election timeout,
 * so that a deposed primary often still believes it is primary when a new one is elected (only
 * epoch fencing then keeps its writes out).
 */
function drawSettings(prng: Prng, mode: SimulationMode): ReplicationSettings {
  const electionTimeoutMinTicks = prng.pick([20, 30])
  const settings = {
    ...DEFAULT_REPLICATION_SETTINGS,
    electionTimeoutMinTicks,
    electionTimeoutMaxTicks: electionTimeoutMinTicks + prng.pick([10, 30]),
    deadTimeTicks: prng.pick([
      electionTimeoutMinTicks,
      DEFAULT_REPLICATION_SETTINGS.deadTimeTicks,
      100,
    ]),
    maxInflightBytes: 16 * 1024,
    retentionMaxBytes: 24 * 1024,
    // Small APPEND limits, so that a member catching up is sent its range in parts.
    maxAppendBytes: prng.pick([1024, 4096, 16 * 1024]),
  }
  if (mode === 'ha') return settings
  // DR: the sync timeout short enough that a run sees sync lost and regained; the retention
  // bound is the default, so a primary running alone keeps what a forced promotion may fork.
  return {
    ...settings,
    syncTimeoutTicks: prng.pick([10, 40, 100]),
    retentionMaxBytes: DEFAULT_REPLICATION_SETTINGS.retentionMaxBytes,
  }
}

interface FaultProfile {
  readonly network: NetworkProfile
  readonly disk: DiskProfile
  readonly faultGapMs: readonly [number, number]
  readonly kinds: readonly FaultKind[]
  readonly settings: ReplicationSettings
}

function drawProfile(prng: Prng, mode: SimulationMode): FaultProfile {
  const dr = mode !== 'ha'
  // DR checks "reachable" from the link's state: little loss, so that heartbeats do arrive.
  const latencyMaxMs = prng.pick(dr ? [2, 5, 20] : [2, 5, 20, 60])
  const kinds = (dr ? DR_FAULTS : HA_FAULTS).filter(() => prng.chance(0.7))
  return {
    network: {
      latencyMinMs: 1,
      latencyMaxMs,
      lossProbability: prng.pick(dr ? [0, 0.005, 0.01] : [0, 0.01, 0.05, 0.15]),
      duplicateProbability: prng.pick([0, 0.01, 0.05]),
    },
    disk: {
      writeLatencyMaxMs: prng.pick([0, 1, 3]),
      fsyncLatencyMinMs: prng.pick([1, 2]),
      fsyncLatencyMaxMs: prng.pick([3, 10, 30]),
      fsyncFailureProbability: prng.pick([0, 0, 0.002, 0.01]),
    },
    faultGapMs: prng.pick([
      [50, 300],
      [100, 800],
      [300, 1500],
    ] as const),
    kinds: kinds.length > 0 ? kinds : ['crash'],
    settings: drawSettings(prng, mode),
  }
}

function describeProfile(profile: FaultProfile): string {
  const { network, disk } = profile
  return (
    `latency 1-${network.latencyMaxMs} ms, loss ${network.lossProbability}, ` +
    `dup ${network.duplicateProbability}, fsync ${disk.fsyncLatencyMinMs}-` +
    `${disk.fsyncLatencyMaxMs} ms, fsync failure ${disk.fsyncFailureProbability}, ` +
    `faults every ${profile.faultGapMs[0]}-${profile.faultGapMs[1]} ms: ${profile.kinds.join(', ')}; ` +
    `election timeout ${profile.settings.electionTimeoutMinTicks}-` +
    `${profile.settings.electionTimeoutMaxTicks} ticks, dead time ${profile.settings.deadTimeTicks}, ` +
    `APPEND limit ${profile.settings.maxAppendBytes} bytes, ` +
    `sync timeout ${profile.settings.syncTimeoutTicks} ticks`
  )
}

export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  return new Simulation(options).run()
}

/** Anything thrown out of a step is a failure of the seed, reported like a violation. */
function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}

class Simulation {
  private readonly prng: Prng
  private readonly queue = new EventQueue()
  private readonly lines: string[] = []
  private readonly checker: SimChecker
  private readonly drChecker: DrChecker | undefined
  private readonly mode: SimulationMode
  private readonly network: SimNetwork
  private readonly nodes: SimNode[]
  private readonly workload: Workload
  private readonly profile: FaultProfile
  private readonly diskProfile: { -readonly [K in keyof DiskProfile]: DiskProfile[K] }
  private readonly faultMs: number
  private readonly livenessMs: number
  private dirty = false
  private stopped = false
  private faulting = true
  private crashes = 0
  private partitions = 0
  private events = 0
  private appendParts = 0
  private pauses = 0
  private pausedPrimariesDeposed = 0
  private promotions = 0
  private promotionsRefused = 0
  /** DR: the member the operator would rather have as primary (the last one promoted). */
  private preferredPrimary: string
  private stableSinceMs = 0

  constructor(private readonly options: SimulationOptions) {
    this.mode = options.mode ?? 'ha'
    const members = this.mode === 'ha' ? HA_MEMBERS : DR_MEMBERS
    this.preferredPrimary = members[0]
    this.prng = new Prng(options.seed)
    this.profile = drawProfile(this.prng.fork(), this.mode)
    this.diskProfile = { ...this.profile.disk }
    this.faultMs = options.faultMs ?? 3000
    this.livenessMs = options.livenessMs ?? 5000
    const trace = (line: string): void => this.trace(line)
    this.drChecker = this.mode === 'ha' ? undefined : new DrChecker(this.drWorld(), trace)
    this.checker = this.drChecker ?? new Checker(trace, () => this.queue.now)
    this.network = new SimNetwork(this.queue, this.prng.fork(), this.profile.network, (message) =>
      this.deliver(message),
    )
    const context: SimContext = {
      queue: this.queue,
      network: this.network,
      members,
      policy: this.mode === 'ha' ? 'majority' : this.mode,
      checker: this.checker,
      bugs: options.bugs ?? new Set(),
      settings: this.profile.settings,
      diskProfile: this.diskProfile,
      trace: (line) => this.trace(line),
      markDirty: () => {
        this.dirty = true
      },
      counted: () => {
        this.appendParts++
      },
      crashed: (node) => {
        this.crashes++
        this.changed()
        this.queue.schedule(this.prng.between(20, 1200), 'restart', () => {
          if (!node.alive && this.faulting) this.startNode(node)
        })
      },
    }
    this.nodes = members.map((id) => new SimNode(id, context, this.prng.fork()))
    const isStopped = (): boolean => this.stopped
    this.workload = new Workload(
      {
        checker: this.checker,
        servingPrimary: () => this.servingPrimary(),
        sleep: (delayMs) => this.sleep(delayMs),
        get stopped() {
          return isStopped()
        },
        trace: (line) => this.trace(line),
      },
      this.prng.fork(),
    )
  }

  /** A member clients may use: in a DR split brain, either primary (clients follow both). */
  private servingPrimary(): SimNode | undefined {
    const serving = this.nodes.filter((node) => node.alive && node.serving && !node.frozen)
    if (this.mode === 'ha' || serving.length < 2) return serving[0]
    return serving[this.queue.now % serving.length]
  }

  private drWorld(): DrWorld {
    const settings = this.profile.settings
    const latencyMaxMs = this.profile.network.latencyMaxMs
    return {
      now: () => this.queue.now,
      peerOf: (node) => this.peerOf(node),
      linkUp: () => this.linkUp(),
      stableSince: () => this.stableSinceMs,
      overlapGraceMs: 3 * settings.heartbeatIntervalTicks * TICK_MS + 2 * latencyMaxMs + 10,
    }
  }

  private peerOf(node: SimNode): SimNode {
    return this.nodes.find((other) => other !== node)!
  }

  private linkUp(): boolean {
    return !this.network.partitioned && this.nodes.every((node) => node.alive && !node.frozen)
  }

  /** The link or a member's state changed: "reachable" counts from now. */
  private changed(): void {
    this.stableSinceMs = this.queue.now
  }

  private startNode(node: SimNode): void {
    node.start()
    this.changed()
  }

  private trace(line: string): void {
    if (this.options.trace === true) {
      this.lines.push(`${String(this.queue.now).padStart(6)} ms  ${line}`)
    }
  }

  private deliver(message: ReplicaMessage): void {
    this.nodes.find((node) => node.id === message.to)?.receive(message)
  }

  private sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) =>
      this.queue.schedule(delayMs, 'sleep', () => {
        this.dirty = true
        resolve()
      }),
    )
  }

  async run(): Promise<SimulationResult> {
    this.trace(`seed ${this.options.seed}: ${describeProfile(this.profile)}`)
    for (const node of this.nodes) this.startNode(node)
    this.workload.start(CLIENTS)
    if (this.mode !== 'ha') this.scheduleAdmin()
    this.scheduleFault()
    this.scheduleCheckpoints()
    this.queue.schedule(this.faultMs, 'faults stop', () => this.stopFaults())
    const deadline = this.faultMs + this.livenessMs
    const stopEarly = this.options.stopEarly ?? true
    for (;;) {
      const event = this.queue.take()
      if (event === undefined || this.queue.now > deadline) break
      this.events++
      try {
        event.run()
        await this.settle()
      } catch (error) {
        this.checker.violation(`exception in ${event.label}: ${describeError(error)}`)
        break
      }
      if (stopEarly && this.checker.violations.length > 0) break
      const acked = this.workload.probeAckedAt
      if (acked !== undefined && this.queue.now > acked + SETTLE_MS) break
    }
    if (this.checker.violations.length === 0 && this.workload.probeAckedAt === undefined) {
      this.checker.violation(
        `liveness: no put acknowledged within ${this.livenessMs} ms after faults stopped`,
      )
    }
    this.stopped = true
    await this.settle()
    this.compareLevelEngines()
    const survivor = this.servingPrimary()
    if (this.checker.violations.length === 0 && survivor !== undefined) {
      this.drChecker?.finalCheck(survivor)
    }
    return this.result()
  }

  /** End of run: every standby engine level with the committed log is compared once more. */
  private compareLevelEngines(): void {
    if (this.checker.violations.length > 0) return
    for (const node of this.nodes) {
      if (node.alive && !node.live && node.appliedEnd === this.checker.modelEnd) {
        this.checker.compareEngine(node)
      }
    }
  }

  /** Runs microtasks until quiet and hands each member's batch of appends to its core. */
  private async settle(): Promise<void> {
    for (let round = 0; round < 100; round++) {
      if (this.dirty) {
        this.dirty = false
        await new Promise<void>((resolve) => setImmediate(resolve))
      }
      for (const node of this.nodes) node.flush()
      if (!this.dirty) return
    }
  }

  private scheduleFault(): void {
    const [min, max] = this.profile.faultGapMs
    this.queue.schedule(this.prng.between(min, max), 'fault', () => {
      if (!this.faulting) return
      this.injectFault()
      this.scheduleFault()
    })
  }

  private injectFault(): void {
    const kind = this.prng.pick(this.profile.kinds)
    const node = this.prng.pick(this.nodes)
    const network: readonly FaultKind[] = ['partition', 'one-way partition', 'bridge', 'heal']
    if (network.includes(kind)) this.changed()
    switch (kind) {
      case 'crash': {
        if (node.alive) node.crash('fault')
        return
      }
      case 'partition':
        this.partitions++
        this.network.heal()
        this.network.isolate(
          node.id,
          this.nodes.map((member) => member.id),
        )
        this.trace(`partition: ${node.id} cut off`)
        return
      case 'one-way partition': {
        const other = this.prng.pick(this.nodes.filter((candidate) => candidate !== node))
        this.partitions++
        this.network.cutLink(node.id, other.id)
        this.trace(`partition: ${node.id} -> ${other.id} cut`)
        return
      }
      case 'bridge': {
        // Two members cannot talk; the third talks to both (Jepsen's "bridge").
        const other = this.prng.pick(this.nodes.filter((candidate) => candidate !== node))
        this.partitions++
        this.network.heal()
        this.network.cutLink(node.id, other.id)
        this.network.cutLink(other.id, node.id)
        this.trace(`partition: ${node.id} <-> ${other.id} cut, the third bridges`)
        return
      }
      case 'heal':
        this.network.heal()
        this.trace('network healed')
        return
      case 'pause':
        this.pause(node)
        return
      case 'switch':
        this.plannedSwitch()
        return
      case 'force':
        // The operator promotes the secondary, whatever the other side's state.
        if (node.alive && !node.frozen && node.role !== 'primary') this.promote(node, 'forced')
        return
    }
  }

  /** A stop-the-world pause: the member hears, says and syncs nothing for a while. */
  private pause(node: SimNode): void {
    if (!node.alive || node.frozen) return
    this.pauses++
    const wasPrimary = node.role === 'primary'
    this.changed()
    node.freeze()
    const freezes = node.freezes
    this.queue.schedule(this.prng.between(50, 800), 'thaw', () => {
      if (!node.alive || !node.frozen || node.freezes !== freezes) return
      this.changed()
      node.thaw()
      if (wasPrimary && node.role !== 'primary') this.pausedPrimariesDeposed++
    })
  }

  /** DR planned switch: demote the primary; the operator then promotes the other side. */
  private plannedSwitch(): void {
    const primary = this.nodes.find((node) => node.alive && !node.frozen && node.role === 'primary')
    if (primary === undefined) return
    const refusal = primary.admin(InputType.DEMOTE)
    this.trace(`admin: demote ${primary.id}: ${refusal ?? 'done'}`)
    this.preferredPrimary = this.peerOf(primary).id
  }

  private scheduleAdmin(): void {
    this.queue.schedule(ADMIN_INTERVAL_MS, 'admin', () => {
      this.adminRound()
      this.scheduleAdmin()
    })
  }

  /** The DR operator: no primary to be seen (none, or hung), promote one (strmqm, rdqmdr -p). */
  private adminRound(): void {
    const running = this.nodes.filter((node) => node.alive && !node.frozen)
    const primaries = running.filter((node) => node.role === 'primary')
    if (primaries.length === 2 && primaries.every((node) => node.status.partitioned)) {
      // Partitioned: the operator keeps one side's data and demotes the other (rdqmdr -s).
      const loser = this.prng.pick(primaries)
      const refusal = loser.admin(InputType.DEMOTE)
      this.trace(`admin: partitioned, demote ${loser.id}: ${refusal ?? 'done'}`)
      this.preferredPrimary = this.peerOf(loser).id
      return
    }
    if (primaries.length > 0) return
    const target = running.find((node) => node.id === this.preferredPrimary) ?? running[0]
    if (target !== undefined) this.promote(target, 'admin')
  }

  /**
   * Promotes `node`, and checks the refusal rule: with the other side primary, running, and
   * the link up long enough for its heartbeats to have arrived, the promotion must be refused.
   */
  private promote(node: SimNode, why: string): void {
    const other = this.peerOf(node)
    const now = this.queue.now
    const since = Math.max(this.stableSinceMs, other.primarySince ?? now)
    const graceMs = this.drWorld().overlapGraceMs
    const reachable =
      other.alive &&
      !other.frozen &&
      other.role === 'primary' &&
      this.linkUp() &&
      now - since > graceMs
    const refusal = node.admin(InputType.PROMOTE)
    if (refusal !== undefined || node.role !== 'primary') {
      this.promotionsRefused++
      return
    }
    this.promotions++
    this.preferredPrimary = node.id
    this.trace(`admin: ${why} promotion of ${node.id} to epoch ${node.epoch}`)
    if (reachable) {
      this.checker.violation(
        `${node.id} promoted while ${other.id} is primary and reachable (since ${since} ms)`,
      )
    }
  }

  private scheduleCheckpoints(): void {
    this.queue.schedule(CHECKPOINT_INTERVAL_MS, 'checkpoints', () => {
      for (const node of this.nodes) node.takeCheckpoint()
      this.scheduleCheckpoints()
    })
  }

  private stopFaults(): void {
    this.faulting = false
    this.network.heal()
    this.network.profile = HEALTHY_NETWORK
    this.diskProfile.fsyncFailureProbability = 0
    this.trace('faults stop: network healed, crashed members restart, frozen ones thaw')
    this.changed()
    for (const node of this.nodes) if (!node.alive) this.startNode(node)
    for (const node of this.nodes) node.thaw()
    void this.workload.probe(() => this.queue.now)
  }

  private result(): SimulationResult {
    return {
      seed: this.options.seed,
      violations: this.checker.violations,
      trace: this.lines,
      profile: describeProfile(this.profile),
      stats: {
        simulatedMs: this.queue.now,
        events: this.events,
        messages: this.network.sent,
        ackedPuts: this.checker.ackedPutCount,
        ackedGets: this.checker.ackedGetCount,
        committedEnd: this.checker.modelEnd,
        crashes: this.crashes,
        partitions: this.partitions,
        engineComparisons: this.checker.engineComparisons,
        appendParts: this.appendParts,
        pauses: this.pauses,
        pausedPrimariesDeposed: this.pausedPrimariesDeposed,
        promotions: this.promotions,
        promotionsRefused: this.promotionsRefused,
        savedAsideAcked: this.drChecker?.savedAsideAcked ?? 0,
        syncCommits: this.drChecker?.syncCommits ?? 0,
      },
    }
  }
}

export { SIMULATION_BUGS }
