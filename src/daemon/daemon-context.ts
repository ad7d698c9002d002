/**
 * The part of the node daemon that command handlers see. It has its own file so that the handlers
 * (lifecycle-commands.ts, query-commands.ts) do not import the daemon that imports them.
 */
import type { Logger } from '../log.js'
import type { HaNode } from '../ha/ha-node.js'
import type { HostedHaQueueManager } from '../ha/hosted-ha-queue-manager.js'
import type { StatusSource } from '../ops/status-source.js'
import type { HostedQueueManager } from './hosted-queue-manager.js'
import type { DrNode } from '../dr/dr-node.js'
import type { HostedDrQueueManager } from '../dr/hosted-dr-queue-manager.js'
import type { NodePaths } from './node-paths.js'

/** What command handlers may use of the daemon. */
export interface DaemonContext {
  readonly paths: NodePaths
  readonly logger: Logger
  /** The hosted queue manager of that name (created on first use; the name must exist). */
  hosted(name: string): HostedQueueManager
  /** The hosted queue manager (plain or HA) if this daemon has served it, without creating one. */
  knownHosted(
    name: string,
  ): HostedQueueManager | HostedHaQueueManager | HostedDrQueueManager | undefined
  /** The node's HA group side: membership, node channel, HA queue managers (src/ha/). */
  readonly ha: HaNode
  /** The node's one status source (src/ops/): rdqmstatus reads its HA reports. */
  readonly ops: { readonly status: StatusSource }
  /** The node's DR side: DR queue managers (src/dr/). */
  readonly dr: DrNode
  forget(name: string): void
  /** Runs `work` after every earlier serialized work: crtmqm and dltmqm never interleave. */
  serialize<T>(work: () => Promise<T>): Promise<T>
}
