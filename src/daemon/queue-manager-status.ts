/**
 * Queue-manager status in dspmq's vocabulary (rdqm.md section 1), and its record on disk.
 *
 * The daemon keeps the live status in memory and writes status.json at every change that must
 * survive it: 'running' when a start begins, the way it ended when it ends. A record still saying
 * 'running' when read by a daemon that is not serving the queue manager means the previous
 * daemon died with it open: "Ended unexpectedly", as MQ reports a queue manager whose processes
 * vanished. A new queue manager is "Ended immediately" until first started, as in MQ.
 */
import fs from 'node:fs'
import { processAlive } from '../runtime/process-liveness.js'
import { writeJsonAtomically } from './queue-manager-config.js'
import type { QueueManagerPaths } from './node-paths.js'

export const QueueManagerStatus = {
  STARTING: 'Starting',
  RUNNING: 'Running',
  QUIESCING: 'Quiescing',
  ENDING_IMMEDIATELY: 'Ending immediately',
  ENDED_NORMALLY: 'Ended normally',
  ENDED_IMMEDIATELY: 'Ended immediately',
  ENDED_UNEXPECTEDLY: 'Ended unexpectedly',
  /** An HA queue manager under HA control on a node that is not its primary (a member). */
  RUNNING_ELSEWHERE: 'Running elsewhere',
  /** The record says running but its daemon is alive and not answering. */
  NOT_AVAILABLE: 'Status not available',
} as const
export type QueueManagerStatus = (typeof QueueManagerStatus)[keyof typeof QueueManagerStatus]

/** Statuses in which the queue manager holds its data and may serve (or is about to stop). */
const ACTIVE = new Set<QueueManagerStatus>([
  QueueManagerStatus.STARTING,
  QueueManagerStatus.RUNNING,
  QueueManagerStatus.QUIESCING,
  QueueManagerStatus.ENDING_IMMEDIATELY,
  QueueManagerStatus.RUNNING_ELSEWHERE,
])

export function isActiveStatus(status: QueueManagerStatus): boolean {
  return ACTIVE.has(status)
}

export type RecordedState =
  'running' | 'ended-normally' | 'ended-immediately' | 'ended-unexpectedly'

interface StatusRecord {
  readonly state: RecordedState
  /** The daemon that wrote the record. */
  readonly pid: number
  readonly at: string
}

const ENDED_STATUS: Record<Exclude<RecordedState, 'running'>, QueueManagerStatus> = {
  'ended-normally': QueueManagerStatus.ENDED_NORMALLY,
  'ended-immediately': QueueManagerStatus.ENDED_IMMEDIATELY,
  'ended-unexpectedly': QueueManagerStatus.ENDED_UNEXPECTEDLY,
}

export function recordState(paths: QueueManagerPaths, state: RecordedState): void {
  const record: StatusRecord = { state, pid: process.pid, at: new Date().toISOString() }
  writeJsonAtomically(paths.status, record)
}

function readRecord(paths: QueueManagerPaths): StatusRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(paths.status, 'utf8')) as StatusRecord
  } catch {
    return undefined
  }
}

/**
 * The status as far as the disk knows, for a reader that is not serving the queue manager: the
 * daemon at its start, or dspmq when no daemon answers (it says whether the lock is held).
 */
export function recordedStatus(
  paths: QueueManagerPaths,
  daemonLockHeld?: boolean,
): QueueManagerStatus {
  const record = readRecord(paths)
  if (record === undefined) return QueueManagerStatus.ENDED_IMMEDIATELY
  if (record.state !== 'running') {
    return ENDED_STATUS[record.state] ?? QueueManagerStatus.ENDED_UNEXPECTEDLY
  }
  // Nobody holds the node's daemon lock: the writer is gone, whatever now has its pid.
  if (daemonLockHeld === false) return QueueManagerStatus.ENDED_UNEXPECTEDLY
  const writerAlive = record.pid !== process.pid && processAlive(record.pid)
  return writerAlive ? QueueManagerStatus.NOT_AVAILABLE : QueueManagerStatus.ENDED_UNEXPECTEDLY
}

/**
 * At daemon start: a queue manager left 'running' by an earlier daemon ended unexpectedly. The
 * caller holds the node's daemon lock, so no other daemon can be serving it (whatever process
 * now has that daemon's pid).
 */
export function settleAbandonedRecord(paths: QueueManagerPaths): boolean {
  const record = readRecord(paths)
  if (record?.state !== 'running' || record.pid === process.pid) return false
  recordState(paths, 'ended-unexpectedly')
  return true
}
