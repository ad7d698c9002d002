/**
 * dspmq's lines. The daemon fills in live statuses; when no daemon answers, the command line
 * builds the same lines from status.json alone (nothing can be running then).
 *
 *   QMNAME(QM1)                                               STATUS(Running)
 *   ... -o all adds: DEFAULT(no) STANDBY(Not permitted) INSTNAME(QuorumMQ) INSTPATH(/path)
 *       INSTVER(0.1.0) HA() DRROLE()
 *
 * STATUS starts in column 59 as in MQ's output (QMNAME padded for a 48-character name).
 * DEFAULT is yes for the node's default queue manager (crtmqm -q). There is no standby instance
 * yet, and HA and DR are not configured, so those fields show MQ's values for a plain queue
 * manager.
 */
import { CommandFailure } from './command-failure.js'
import { defaultQueueManager } from './default-queue-manager.js'
import { INSTALLATION_NAME, INSTALLATION_PATH, installationVersion } from './installation.js'
import { queueManagerPaths, type NodePaths } from './node-paths.js'
import {
  isValidQueueManagerName,
  listQueueManagerNames,
  readConfig,
} from './queue-manager-config.js'
import { recordedStatus, type QueueManagerStatus } from './queue-manager-status.js'

export type DisplayOutput = 'status' | 'all'

export interface QueueManagerEntry {
  readonly name: string
  readonly status: QueueManagerStatus
  readonly host: string
  readonly port: number
  /** The node's default queue manager (crtmqm -q). */
  readonly isDefault: boolean
  /** crtmqm -u, as recorded in qmgr.json (in `qmqd send dspmq` data, not on dspmq's line). */
  readonly deadLetterQueue: string | undefined
}

/** "QMNAME(" + 48 characters + ")" and two blanks. */
const QMNAME_COLUMN_WIDTH = 58

/** The queue managers to show: one named (AMQ7048E if unknown, as dspmq -m), or all. */
export function selectQueueManagers(node: NodePaths, name: string | undefined): string[] {
  const all = listQueueManagerNames(node)
  if (name === undefined) return all
  if (!isValidQueueManagerName(name) || !all.includes(name)) {
    throw new CommandFailure('NAME_NOT_VALID')
  }
  return [name]
}

export function describeQueueManager(
  node: NodePaths,
  name: string,
  liveStatus: QueueManagerStatus | undefined,
  daemonLockHeld?: boolean,
): QueueManagerEntry {
  const paths = queueManagerPaths(node, name)
  const config = readConfig(paths)
  const status = liveStatus ?? recordedStatus(paths, daemonLockHeld)
  const isDefault = defaultQueueManager(node) === name
  const { host, port, deadLetterQueue } = config
  return { name, status, host, port, isDefault, deadLetterQueue }
}

export function formatDisplayLine(entry: QueueManagerEntry, output: DisplayOutput): string {
  const line = `QMNAME(${entry.name})`.padEnd(QMNAME_COLUMN_WIDTH) + `STATUS(${entry.status})`
  if (output === 'status') return line
  return [
    line,
    `DEFAULT(${entry.isDefault ? 'yes' : 'no'})`,
    'STANDBY(Not permitted)',
    `INSTNAME(${INSTALLATION_NAME})`,
    `INSTPATH(${INSTALLATION_PATH})`,
    `INSTVER(${installationVersion()})`,
    'HA()',
    'DRROLE()',
  ].join(' ')
}
