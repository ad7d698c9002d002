/**
 * Shared vocabulary of the benchmark harness. Systems (adapters), topologies (how servers are
 * started) and scenarios (what load is applied) are separate pieces that only meet through these
 * interfaces, so a new system or scenario never edits the others.
 */

export const SYSTEM_NAMES = [
  'quorummq',
  'rabbitmq',
  'rabbitmq-classic',
  'nats',
  'in-memory',
] as const
export type SystemName = (typeof SYSTEM_NAMES)[number]

export const TOPOLOGY_NAMES = ['single', 'cluster3'] as const
export type TopologyName = (typeof TOPOLOGY_NAMES)[number]

/** One address a client can connect to; `host(port)` in MQ's CONNAME spelling on the CLI. */
export interface Endpoint {
  readonly host: string
  readonly port: number
}

/**
 * Administrative hooks a topology may offer to an adapter whose protocol cannot create queues
 * itself (QuorumMQ defines queues through runmqsc, not through the client API).
 */
export interface QueueAdministration {
  defineQueue(queueName: string): Promise<void>
  deleteQueue(queueName: string): Promise<void>
}

/** What an adapter is told about the servers it talks to. */
export interface TopologyInfo {
  readonly name: TopologyName
  /** Number of server nodes, 1 or 3; replication factor follows it. */
  readonly nodeCount: number
  readonly endpoints: readonly Endpoint[]
  /** Name of the queue manager, for systems that have one. */
  readonly queueManagerName?: string
  readonly administration?: QueueAdministration
  /** Present where the harness can kill and restart the primary (the failover scenario). */
  readonly faults?: TopologyFaults
}

/** A started set of servers; stop() ends exactly the processes the topology started. */
/**
 * Fault injection on a replicated topology that offers it (the QuorumMQ HA group): the failover
 * scenario kills the node that runs the primary, and restarts it.
 */
export interface TopologyFaults {
  /** Name of the node the primary runs on now; polls until the group names one. */
  primaryNode(timeoutMs: number): Promise<string>
  /** kill -9 of that node's server process; resolves once it has exited. */
  killNode(node: string): Promise<void>
  /** Starts the node's server again (it rejoins as a secondary). */
  restartNode(node: string): Promise<void>
  /** Resolves once a primary runs and every other node is in sync with it, or throws. */
  waitForHealthyGroup(timeoutMs: number): Promise<string>
}

export interface RunningTopology {
  readonly info: TopologyInfo
  /** Server version as the servers report it before any client connects (may be refined later). */
  readonly serverVersion: string
  stop(): Promise<void>
}

export interface PutOptions {
  readonly persistent: boolean
  /** Put inside the connection's current unit of work; commit() makes it visible and durable. */
  readonly inUnitOfWork?: boolean
}

/** Deliveries with a prefetch window (basic.consume, JetStream pull consume, MQGET loop). */
export interface MessageStream {
  /** The next message, acknowledged before it is returned; undefined when none arrived in time. */
  next(waitMs: number): Promise<Buffer | undefined>
  close(): Promise<void>
}

/** One client connection bound to one queue, in the style of MQCONN + MQOPEN. */
export interface QueueSession {
  /** Resolves once the system acknowledges the message (confirm, PubAck, MQPUT return). */
  put(body: Buffer, options: PutOptions): Promise<void>
  /**
   * One request for one message (basic.get, JetStream next(), MQGET), acknowledged before it is
   * returned; undefined when the queue stayed empty for waitMs.
   */
  get(waitMs: number, options?: { inUnitOfWork?: boolean }): Promise<Buffer | undefined>
  /** Push-style delivery with up to `prefetch` messages on the way. */
  consume(prefetch: number): Promise<MessageStream>
  /** Ends the unit of work (MQCMIT); systems without one treat it as a no-op (see unitOfWork). */
  commit(): Promise<void>
  close(): Promise<void>
}

/** How a system groups operations so that one acknowledgement covers many. */
export type UnitOfWorkKind = 'syncpoint' | 'confirm-batch'

/** A system under test: how to reach it and what its acknowledgement means. */
export interface SystemAdapter {
  readonly name: SystemName
  /** Human label for charts, e.g. 'RabbitMQ quorum queue'. */
  readonly label: string
  /** Which server a topology has to start for this adapter. */
  readonly serverKind: ServerKind
  readonly supportsNonPersistent: boolean
  readonly unitOfWork: UnitOfWorkKind
  /** Topologies that make sense for this system; others are skipped with a message. */
  readonly topologies: readonly TopologyName[]
  /** Why the system cannot run here, or undefined when it can (checked before starting). */
  unavailableReason(): Promise<string | undefined>
  /** What has happened to a message when the put is acknowledged, in words. */
  durability(topology: TopologyInfo, persistent: boolean): string
  createQueue(topology: TopologyInfo, queueName: string, persistent: boolean): Promise<void>
  deleteQueue(topology: TopologyInfo, queueName: string): Promise<void>
  /** A new connection to one endpoint, with the queue opened for input and output. */
  open(topology: TopologyInfo, queueName: string, persistent: boolean): Promise<QueueSession>
  /** Version reported by the server through a client connection. */
  serverVersion(topology: TopologyInfo): Promise<string>
  /** Releases shared resources (admin connections). */
  dispose(): Promise<void>
}

export type ServerKind = 'quorummq' | 'rabbitmq' | 'nats' | 'in-process'

// ---- Results (the shape of results.json, validated by results/schema.ts) ----

export interface PercentileSummary {
  readonly count: number
  readonly minMicros: number
  readonly meanMicros: number
  readonly p50Micros: number
  readonly p90Micros: number
  readonly p99Micros: number
  readonly p999Micros: number
  readonly maxMicros: number
  /** Latency at percentiles spaced evenly in "nines", for the percentile-curve charts. */
  readonly curve: readonly PercentilePoint[]
  /** The whole HdrHistogram, compressed and base64-encoded, for recomputing anything else. */
  readonly histogram: string
}

export interface PercentilePoint {
  readonly percentile: number
  readonly valueMicros: number
}

/** Latency metrics a scenario may report; each scenario documents which ones it fills. */
export type LatencyMetric = 'put' | 'get' | 'roundTrip' | 'endToEnd' | 'gap'

export interface OpenLoopPoint {
  readonly offeredMessagesPerSecond: number
  readonly achievedMessagesPerSecond: number
  /** Put latency measured from the intended send time, so queueing in the sender counts. */
  readonly put: PercentileSummary
  /** Put to delivery, also from the intended send time. */
  readonly endToEnd?: PercentileSummary
  /** True when the system could not keep up with the offered rate at this point. */
  readonly saturated: boolean
}

export interface ScenarioResult {
  readonly scenario: string
  readonly system: SystemName
  readonly systemLabel: string
  readonly systemVersion: string
  readonly topology: TopologyName
  readonly nodeCount: number
  readonly persistent: boolean
  readonly messageBytes: number
  readonly durability: string
  readonly connections: number
  readonly inFlight: number
  readonly durationSeconds: number
  readonly messages: number
  readonly throughputMessagesPerSecond: number
  readonly throughputMegabytesPerSecond: number
  readonly latencies: Partial<Record<LatencyMetric, PercentileSummary>>
  readonly openLoop?: readonly OpenLoopPoint[]
  /** Offered rate at which the system first saturated in the open-loop scenario. */
  readonly saturationMessagesPerSecond?: number
  /** Secondary throughputs, e.g. the read phase of the blast scenario. */
  readonly phases?: readonly PhaseResult[]
  readonly notes?: readonly string[]
}

export interface PhaseResult {
  readonly name: string
  readonly messages: number
  readonly durationSeconds: number
  readonly throughputMessagesPerSecond: number
  readonly throughputMegabytesPerSecond: number
}

export interface SkippedRun {
  readonly system: string
  readonly topology: string
  readonly reason: string
}

export interface MachineInfo {
  readonly cpus: number
  readonly cpuModel: string
  readonly memoryBytes: number
  readonly os: string
  readonly kernel: string
  readonly arch: string
  readonly hostname: string
  /** 1, 5 and 15 minute load averages when the run started and ended: others' load shows here. */
  readonly loadAverageAtStart: readonly number[]
  readonly loadAverageAtEnd: readonly number[]
}

export interface ResultsFile {
  readonly schemaVersion: 1
  readonly startedAt: string
  readonly finishedAt: string
  /** Parameter preset the run started from (bench/parameters.ts); flags may override fields. */
  readonly mode: 'quick' | 'peers' | 'full'
  readonly parameters: Readonly<Record<string, unknown>>
  readonly command: string
  readonly machine: MachineInfo
  readonly versions: {
    readonly node: string
    readonly quorummq: string
    readonly systems: Readonly<Record<string, string>>
  }
  readonly results: readonly ScenarioResult[]
  readonly skipped: readonly SkippedRun[]
}
