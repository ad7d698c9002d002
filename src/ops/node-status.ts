/**
 * The node's status as one typed snapshot: the single source that the Prometheus endpoint, the
 * web console's JSON API and the status commands (dspmq's fields through describeQueueManager,
 * rdqmstatus --json once HA lands) read, so they can never disagree.
 *
 *   collectNodeStatus(source)
 *     ├─ per queue manager: describeQueueManager (dspmq's own entry: name, status, host, port,
 *     │  default), and while Running its log, journal statistics, listener figures, queues
 *     └─ contributors: HA and DR code add role, replication peers, DR state to the entries
 *
 * A contributor is how the HA engineer's code feeds this without the snapshot knowing HA: it
 * returns the HA/DR part of one queue manager's entry (or undefined for a plain one). Fields
 * that only exist with HA or DR are optional, and every reader shows them only when present.
 */
import fs from 'node:fs'
import os from 'node:os'
import type { JournalStats } from '../actors/journal/messages.js'
import type { DaemonContext } from '../daemon/daemon-context.js'
import { installationVersion } from '../daemon/installation.js'
import { describeQueueManager, selectQueueManagers } from '../daemon/queue-manager-listing.js'
import type { QueueManagerStatus } from '../daemon/queue-manager-status.js'
import type { HaStatusView } from '../ha/ha-status-report.js'
import type { LogStatus } from '../queue-manager/log-status.js'
import type { QueueActivity } from '../queue/engine.js'

/** A plain queue manager has no HA role; HA and DR contributors say primary or secondary. */
export type QueueManagerRole = 'standalone' | 'primary' | 'secondary' | 'unknown'

/** One replication peer as seen from this node (HA group member or DR partner). */
export interface PeerStatus {
  readonly node: string
  /** up: in sync or catching up within bounds; lagging: behind; down: no link. */
  readonly link: 'up' | 'lagging' | 'down'
  readonly role: QueueManagerRole
  /** rdqmstatus's HA status of the node (Normal, Remote unavailable, ...). */
  readonly haStatus?: string
  readonly replicatedLsn?: number
  readonly lagBytes?: number
  readonly lagSeconds?: number
  readonly outOfSyncBytes?: number
  /** 0..1 while a resync runs. */
  readonly resyncProgress?: number
  readonly resyncEtaSeconds?: number
}

export interface HaStatus {
  readonly group: string
  /** This node's name in the group. */
  readonly node?: string
  /** The node running the queue manager (rdqmstatus's HA current location), if any. */
  readonly primary?: string
  readonly preferredLocation?: string
  readonly quorum: boolean
  /** This node is suspended (rdqmadm -s). */
  readonly suspended?: boolean
  readonly peers: readonly PeerStatus[]
  /** Counted by this node's member where its role changed (role-changes.ts). */
  readonly failovers: number
  readonly elections: number
  /** rdqmstatus -m's view, field for field: rdqmstatus prints this. */
  readonly report?: HaStatusView
}

/** MQ's DR states (rdqm.md), drawn by the console as a picture. */
export type DrState =
  'Normal' | 'Remote unavailable' | 'Synchronization in progress' | 'Partitioned'

export interface DrStatus {
  readonly role: 'primary' | 'secondary'
  readonly state: DrState
  readonly remote: string
  readonly outOfSyncBytes?: number
  readonly resyncProgress?: number
  readonly resyncEtaSeconds?: number
}

export interface ServerFigures {
  readonly connections: number
  readonly requestsInFlight: number
}

export interface QueueManagerSnapshot {
  readonly name: string
  readonly status: QueueManagerStatus
  readonly host: string
  readonly port: number
  readonly isDefault: boolean
  readonly role: QueueManagerRole
  /** While Running: the journal's epoch and LSNs. */
  readonly epoch?: number
  /** Committed: on a plain queue manager, what is durable; with HA, what a quorum holds. */
  readonly commitLsn?: number
  readonly durableLsn?: number
  readonly log?: LogStatus
  readonly journal?: JournalStats
  readonly server?: ServerFigures
  readonly queues: readonly QueueActivity[]
  readonly ha?: HaStatus
  readonly dr?: DrStatus
}

export interface FilesystemFigures {
  readonly path: string
  readonly sizeBytes: number
  readonly availableBytes: number
}

export interface NodeStatusSnapshot {
  readonly takenAtMs: number
  readonly node: {
    readonly name: string
    readonly home: string
    readonly pid: number
    readonly version: string
    readonly filesystem: FilesystemFigures | undefined
  }
  readonly queueManagers: readonly QueueManagerSnapshot[]
}

/** The HA/DR part of one queue manager's entry, or undefined for a plain queue manager. */
export type StatusContribution = Partial<
  Pick<QueueManagerSnapshot, 'role' | 'epoch' | 'commitLsn' | 'durableLsn' | 'ha' | 'dr'>
>
export type StatusContributor = (
  queueManager: string,
) => StatusContribution | undefined | Promise<StatusContribution | undefined>

export async function collectNodeStatus(
  daemon: DaemonContext,
  contributors: readonly StatusContributor[] = [],
  only?: string,
): Promise<NodeStatusSnapshot> {
  const names = selectQueueManagers(daemon.paths, only)
  const queueManagers: QueueManagerSnapshot[] = []
  for (const name of names) {
    const plain = await collectQueueManager(daemon, name)
    let entry = plain
    for (const contributor of contributors) {
      const contribution = await contributor(name)
      if (contribution !== undefined) entry = { ...entry, ...contribution }
    }
    queueManagers.push(entry)
  }
  return {
    takenAtMs: Date.now(),
    node: {
      // In an HA group the node is known by its rdqm.ini name (QMQ_NODE or the host name).
      name: daemon.ha.membership?.self ?? os.hostname(),
      home: daemon.paths.home,
      pid: process.pid,
      version: installationVersion(),
      filesystem: filesystemOf(daemon.paths.home),
    },
    queueManagers,
  }
}

async function collectQueueManager(
  daemon: DaemonContext,
  name: string,
): Promise<QueueManagerSnapshot> {
  const hosted = daemon.knownHosted(name)
  const entry = describeQueueManager(daemon.paths, name, hosted?.status)
  const { status, host, port, isDefault } = entry
  const plain = { name, status, host, port, isDefault, role: 'standalone' as const }
  // Only a plain queue manager runs here as a whole; an HA member's role, epoch, LSNs and the
  // group's view are the HA contributor's (ha-contributor.ts).
  const running = hosted?.running
  if (running === undefined) return { ...plain, queues: [] }
  const { queueManager, server } = running
  const log = queueManager.logStatus()
  const journal = await queueManager.journalStats()
  const serverStats = server.stats()
  return {
    ...plain,
    port: server.port,
    epoch: queueManager.epoch,
    commitLsn: log.durableLsn,
    durableLsn: log.durableLsn,
    log,
    ...(journal === undefined ? {} : { journal }),
    server: {
      connections: serverStats.connectionCount,
      requestsInFlight: serverStats.requestsInFlight,
    },
    queues: queueManager.engine.queueActivity(),
  }
}

/** The filesystem holding the node directory (disk-nearly-full alert); undefined if unknown. */
function filesystemOf(path: string): FilesystemFigures | undefined {
  try {
    const figures = fs.statfsSync(path)
    return {
      path,
      sizeBytes: figures.blocks * figures.bsize,
      availableBytes: figures.bavail * figures.bsize,
    }
  } catch {
    return undefined
  }
}
