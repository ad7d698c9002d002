/**
 * A queue manager's node-level configuration (qmgr.json): what the daemon needs to serve it
 * besides its data directory. Written once by crtmqm; edit the file to move the listener.
 */
import fs from 'node:fs'
import { MAX_QUEUE_MANAGER_NAME_BYTES } from '../constants.js'
import { CommandFailure } from './command-failure.js'
import { queueManagerPaths, type NodePaths, type QueueManagerPaths } from './node-paths.js'

export interface QueueManagerConfig {
  readonly formatVersion: 1
  readonly name: string
  /** Address the listener binds: crtmqm --listener-host (or QMQ_LISTENER_HOST), else 127.0.0.1. */
  readonly host: string
  readonly port: number
  readonly createdAt: string
  /** crtmqm -c. */
  readonly description?: string
  /** crtmqm -u: also given to the queue manager at creation (DISPLAY QMGR DEADQ). */
  readonly deadLetterQueue?: string
  /** A replicated data (HA) queue manager: crtmqm -sx or -sxs (src/ha/). */
  readonly ha?: HaQueueManagerConfig
  /**
   * Edit to true to allow a plain-TCP listener on a non-loopback host (refused otherwise:
   * passwords and messages would cross the network in the clear). QMQ_ALLOW_PLAINTEXT=1 too.
   */
  readonly allowPlaintext?: boolean
  /** A DR (disaster recovery) queue manager: crtmqm -rr p|s (src/dr/). */
  readonly dr?: DrQueueManagerConfig
}

/** A DR pair's settings; the other side holds the mirror image (local and remote swapped). */
export interface DrQueueManagerConfig {
  /** 'a' asynchronous (drAsync), 's' synchronous (drSync): fixed at creation, as RDQM's. */
  readonly type: 'a' | 's'
  readonly localAddress: string
  readonly remoteAddress: string
  /** This node's name and the other's: the pair's member ids (the primary at creation first,
   *  the same order on both sides: each side promotes into epochs of its own index). */
  readonly members: readonly [string, string]
  readonly self: string
  readonly port: number
  readonly segmentBytes: number
  /** Synchronous: how long the primary waits for the secondary before carrying on alone. */
  readonly syncTimeoutMs: number
  /** Log between checkpoints, and how far behind the secondary the primary keeps log before the
   *  secondary gets a checkpoint instead (edit qmgr.json on both sides; defaults if absent). */
  readonly checkpointIntervalBytes?: number
  readonly retainMaxBytes?: number
  /**
   * Test only (the chaos suite, test/chaos/qmqd-dr-driver.ts): the address this side dials the
   * other side's DR port at (a fault proxy). Never written by a command; the suite edits
   * qmgr.json.
   */
  readonly testOnlyVia?: { readonly host: string; readonly port: number }
}

/** The same on the three nodes: crtmqm -sx chooses it and gives it to the other two. */
export interface HaQueueManagerConfig {
  /** Port of the queue manager's replication links, on each node's HA_Replication address. */
  readonly replicationPort: number
  readonly segmentBytes: number
  /** Log between checkpoints, and how far behind a slow member the primary keeps log before
   *  that member gets a checkpoint instead (edit qmgr.json on every node; defaults if absent). */
  readonly checkpointIntervalBytes?: number
  readonly retainMaxBytes?: number
  /**
   * Test only (the chaos suite, test/chaos/qmqd-group-driver.ts): peer node name -> the address
   * this node dials that peer's replication links at (a fault proxy) instead of its
   * HA_Replication address. Never written by a command; the suite edits qmgr.json.
   */
  readonly testOnlyVia?: Readonly<Record<string, { readonly host: string; readonly port: number }>>
}

/**
 * MQ's queue-manager name rule (A-Z a-z 0-9 . _ %, up to 48) without '/', which MQ allows but
 * which cannot be a directory name; '.' and '..' are refused for the same reason.
 */
const NAME_PATTERN = new RegExp(`^[A-Za-z0-9._%]{1,${MAX_QUEUE_MANAGER_NAME_BYTES}}$`)

export function isValidQueueManagerName(name: string): boolean {
  return NAME_PATTERN.test(name) && name !== '.' && name !== '..'
}

export function requireValidName(name: unknown): string {
  if (typeof name !== 'string' || !isValidQueueManagerName(name)) {
    throw new CommandFailure('NAME_NOT_VALID')
  }
  return name
}

/** The paths of an existing queue manager; AMQ8118E if there is none of that name. */
export function existingQueueManager(node: NodePaths, name: string): QueueManagerPaths {
  const paths = queueManagerPaths(node, requireValidName(name))
  if (!fs.existsSync(paths.config)) throw new CommandFailure('DOES_NOT_EXIST')
  return paths
}

export function readConfig(paths: QueueManagerPaths): QueueManagerConfig {
  const value = JSON.parse(fs.readFileSync(paths.config, 'utf8')) as QueueManagerConfig
  if (value.formatVersion !== 1 || typeof value.port !== 'number') {
    throw new Error(`unsupported configuration in ${paths.config}`)
  }
  return value
}

/** Queue managers of this node, sorted by name (dspmq's order). */
export function listQueueManagerNames(node: NodePaths): string[] {
  let entries: fs.Dirent[]
  try {
    entries = fs.readdirSync(node.queueManagers, { withFileTypes: true })
  } catch {
    return []
  }
  return entries
    .filter((entry) => entry.isDirectory() && isValidQueueManagerName(entry.name))
    .filter((entry) => fs.existsSync(queueManagerPaths(node, entry.name).config))
    .map((entry) => entry.name)
    .sort()
}

/** Write to a temporary file, flush, rename: a crash leaves the old file or the new one. */
export function writeJsonAtomically(path: string, value: unknown): void {
  const temporary = `${path}.${process.pid}.tmp`
  const descriptor = fs.openSync(temporary, 'w')
  try {
    fs.writeSync(descriptor, `${JSON.stringify(value, null, 2)}\n`)
    fs.fsyncSync(descriptor)
  } finally {
    fs.closeSync(descriptor)
  }
  fs.renameSync(temporary, path)
}
