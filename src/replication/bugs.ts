/**
 * Bug switches, for the simulator only: each breaks one safety rule on purpose so that a test can
 * prove the simulator's checkers catch it. Production code never sets them (default: none).
 */
export const SIMULATION_BUGS = [
  /** The primary acknowledges a record once it is durable locally, without a quorum. */
  'ack-before-quorum',
  /** A voter grants a second vote in an epoch in which it already voted. */
  'vote-twice-in-epoch',
  /** A secondary accepts APPEND and HEARTBEAT from a primary of an older epoch. */
  'accept-older-epoch-write',
  /** A secondary cuts its log at the start of every APPEND that overlaps it, committed or not. */
  'truncate-committed',
  /** DR synchronous: the primary acknowledges after its own fdatasync, not the secondary's. */
  'sync-acks-before-remote',
  /** DR: promote is not refused while the other side is primary and reachable. */
  'promote-while-primary-reachable',
  /** DR: a primary that hears the other side's primary at a higher epoch steps down and has its
   *  divergent records cut (Raft's rule), instead of both showing Partitioned. */
  'dr-auto-resolve',
] as const

export type SimulationBug = (typeof SIMULATION_BUGS)[number]

export function isSimulationBug(name: string): name is SimulationBug {
  return (SIMULATION_BUGS as readonly string[]).includes(name)
}
