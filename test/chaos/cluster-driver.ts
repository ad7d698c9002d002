/**
 * What the nemesis and the runner need from a cluster, whatever hosts it: member processes
 * (member-main groups now; qmqd through the commands next), links that can be cut, a disk
 * that can fill. A driver owns every process, proxy and mount it makes, and tears them all down
 * in stop(), which must be safe to call at any point (the runner calls it in a finally block).
 */
import type { FaultKind, MemberLog, ServingPeriod } from './history.js'

export interface ClusterDriver {
  readonly nodes: readonly string[]
  /** Connection-name list clients use (through the client-link proxies). */
  readonly connName: string
  readonly queueManager: string
  readonly queue: string
  /** The node whose data lives on the fillable disk, if any. */
  readonly diskNode: string | undefined
  start(): Promise<void>
  /** The node serving now (undefined while none does). */
  primary(): string | undefined
  waitForPrimary(timeoutMs: number): Promise<string>
  kill9(node: string): Promise<void>
  restart(node: string): Promise<void>
  isRunning(node: string): boolean
  pause(node: string): void
  resume(node: string): void
  /** Holds every byte `from` sends to `to` (one way) until healed. */
  cut(from: string, to: string): void
  /** Adds latency or loss to every replication and client link. */
  degrade(faults: { delayMs?: number; loss?: number }): void
  healNetwork(): void
  fillDisk(): void
  freeDisk(): void
  /**
   * A fault only this driver knows (DR: forced promotion, a cut during resync): injects it,
   * holds it `holdMs`, heals it and resolves to what was done; undefined for any other kind.
   */
  injectOwn?(kind: FaultKind, holdMs: number, choice: number): Promise<string> | undefined
  /** Bodies an operator's resolution saved aside (DR split brain), for the checker. */
  savedAside?(): ReadonlySet<string>
  /**
   * Heals everything and waits until every member is up and has durably all the primary has
   * committed. Returns the members left out: failed on every restart, or never caught up.
   */
  settle(timeoutMs: number): Promise<string[]>
  servingPeriods(): ServingPeriod[]
  /**
   * Each member's committed log (stopped members' journals, read record by record). `complete`
   * false: segments were retired (compaction), so a PUT absent from the log proves nothing.
   */
  committedLogs(): Promise<{
    logs: MemberLog[]
    putEpochs: Map<string, number>
    complete?: boolean
  }>
  /** Copies node logs and configs into `directory`. */
  collect(directory: string): void
  stop(): Promise<void>
}
