/**
 * Run sizes. Three presets: `quick` (developing: seconds per scenario, 1 KiB), `peers` (the
 * reduced-but-honest comparison run against installed peers) and `full` (every size, longer
 * measurement windows). Command-line flags override single fields.
 */

const KiB = 1024
const MiB = 1024 * KiB

export interface RunParameters {
  readonly messageSizesBytes: readonly number[]
  /** true = persistent, false = non-persistent; systems without the latter skip it. */
  readonly persistenceModes: readonly boolean[]
  /** Measured time per scenario variant (after warm-up). */
  readonly durationSeconds: number
  readonly warmupSeconds: number
  /** Connections (M) for the pipelined and open-loop scenarios, producers and consumers each. */
  readonly connections: number
  /** Puts in flight (N) across all producer connections in the pipelined scenario. */
  readonly inFlight: number
  /** Bytes a scenario may leave queued (sequential puts, deep-queue preload, blast). */
  readonly maxQueueBytes: number
  /** Depth of the deep queue for the sequential-get scenario, before the byte cap. */
  readonly maxQueueDepth: number
  /** Offered rates of the open-loop scenario, as fractions of the measured capacity. */
  readonly openLoopFractions: readonly number[]
  readonly openLoopSecondsPerRate: number
  /** Open-loop sender's cap on puts in flight; beyond it, late sends show up as latency. */
  readonly openLoopMaxInFlight: number
  /** Messages written then read by the blast scenario (amqsblst -c), before the byte cap. */
  readonly blastMessages: number
  /** Messages per unit of work (amqsblst -u). */
  readonly blastBatch: number
  /** How long a get waits for a message before the scenario gives up on it. */
  readonly getWaitMs: number
  /** kill -9s of the primary in the failover scenario (QuorumMQ cluster3). */
  readonly failoverKills: number
}

export type PresetName = 'quick' | 'peers' | 'full'

export const PRESETS: Readonly<Record<PresetName, RunParameters>> = {
  quick: {
    messageSizesBytes: [KiB],
    persistenceModes: [true, false],
    durationSeconds: 2,
    warmupSeconds: 0.5,
    connections: 2,
    inFlight: 64,
    maxQueueBytes: 64 * MiB,
    maxQueueDepth: 2000,
    openLoopFractions: [0.25, 0.5, 0.75, 1, 1.25],
    openLoopSecondsPerRate: 2,
    openLoopMaxInFlight: 1000,
    blastMessages: 2000,
    blastBatch: 50,
    getWaitMs: 5000,
    failoverKills: 3,
  },
  peers: {
    messageSizesBytes: [KiB],
    persistenceModes: [true, false],
    durationSeconds: 5,
    warmupSeconds: 1,
    connections: 4,
    inFlight: 256,
    maxQueueBytes: 128 * MiB,
    maxQueueDepth: 10_000,
    openLoopFractions: [0.25, 0.5, 0.75, 0.9, 1, 1.2],
    openLoopSecondsPerRate: 4,
    openLoopMaxInFlight: 2000,
    blastMessages: 10_000,
    blastBatch: 100,
    getWaitMs: 5000,
    failoverKills: 20,
  },
  full: {
    messageSizesBytes: [100, KiB, 10 * KiB, 100 * KiB],
    persistenceModes: [true, false],
    durationSeconds: 10,
    warmupSeconds: 2,
    connections: 4,
    inFlight: 256,
    maxQueueBytes: 256 * MiB,
    maxQueueDepth: 20_000,
    openLoopFractions: [0.1, 0.25, 0.5, 0.75, 0.9, 1, 1.1, 1.25],
    openLoopSecondsPerRate: 5,
    openLoopMaxInFlight: 2000,
    blastMessages: 20_000,
    blastBatch: 100,
    getWaitMs: 5000,
    failoverKills: 20,
  },
}

/** Messages of `messageBytes` that fit in the byte budget, at least `minimum`. */
export function messagesWithinBudget(
  parameters: RunParameters,
  messageBytes: number,
  wanted: number,
  minimum = 100,
): number {
  const byBytes = Math.floor(parameters.maxQueueBytes / messageBytes)
  return Math.max(minimum, Math.min(wanted, byBytes))
}
