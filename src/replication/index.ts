/** The replication core: pure state machine, quorum arithmetic, messages and settings. */
export {
  Replica,
  type HardState,
  type LogView,
  type ReplicaOptions,
  type ReplicaStatus,
} from './replica.js'
export * from './effects.js'
export * from './messages.js'
export * from './quorum.js'
export * from './settings.js'
export { EpochHistory, divergencePoint, wireHistory, type EpochRun } from './epoch-history.js'
export { SIMULATION_BUGS, isSimulationBug, type SimulationBug } from './bugs.js'
