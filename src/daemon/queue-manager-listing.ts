/**
 * dspmq's lines. The daemon fills in live statuses; when no daemon answers, the command line
 * builds the same lines from status.json alone (nothing can be running then).
 *
 *   QMNAME(QM1)                                               STATUS(Running)
 *   ... -o all adds: DEFAULT(no) STANDBY(Not permitted) INSTNAME(QuorumMQ) INSTPATH(/path)
 *       INSTVER(0.1.0) HA() DRROLE()
 *
 *   ... -o log adds, for a running queue manager, its log as DISPLAY QMSTATUS shows it:
 *       LOGSIZE LOGSEGS LOGINUSE (bytes, segment files, bytes in use) CURRLOG RECLOG MEDIALOG
 *       CKPTLOG (LSNs: the log end, the oldest needed for restart, the oldest kept, the newest
 *       checkpoint). MQ's dspmq has no such output; its names are those of DISPLAY QMSTATUS.
 *       A queue manager that is not running shows its status line alone.
 *
 * STATUS starts in column 59 as in MQ's output (QMNAME padded for a 48-character name).
 * DEFAULT is yes for the node's default queue manager (crtmqm -q). There is no standby instance
 * and no DR yet; HA is HA(Replicated) for an HA queue manager (crtmqm -sx), whose status on a
 * node that is not its primary is "Running elsewhere"; -o ha shows STATUS and HA only.
 */
import { readDrState } from '../dr/dr-state.js'
import { queueManagerStatusItems, type QueueManagerLogView } from '../mqsc/display.js'
import type { QueueManagerStatusDisplayKeyword } from '../mqsc/keywords.js'
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

export type DisplayOutput = 'status' | 'all' | 'log' | 'ha' | 'dr'

export const DISPLAY_OUTPUTS: readonly DisplayOutput[] = ['status', 'all', 'log', 'ha', 'dr']

export interface QueueManagerEntry {
  readonly name: string
  readonly status: QueueManagerStatus
  readonly host: string
  readonly port: number
  /** The node's default queue manager (crtmqm -q). */
  readonly isDefault: boolean
  /** crtmqm -u, as recorded in qmgr.json (in `qmqd send dspmq` data, not on dspmq's line). */
  readonly deadLetterQueue: string | undefined
  /** A replicated data (HA) queue manager (crtmqm -sx/-sxs): HA(Replicated). */
  readonly replicated: boolean
  /** A DR queue manager's role on this node (crtmqm -rr, rdqmdr): DRROLE(Primary|Secondary). */
  readonly drRole?: 'Primary' | 'Secondary'
  /** The running queue manager's log, for -o log (the daemon fills it in). */
  readonly log?: QueueManagerLogView
}

/** The log keywords -o log shows, in this order (DISPLAY QMSTATUS's names). */
const LOG_KEYWORDS = [
  'LOGSIZE',
  'LOGSEGS',
  'LOGINUSE',
  'CURRLOG',
  'RECLOG',
  'MEDIALOG',
  'CKPTLOG',
] as const satisfies readonly QueueManagerStatusDisplayKeyword[]

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
  log?: QueueManagerLogView,
): QueueManagerEntry {
  const paths = queueManagerPaths(node, name)
  const config = readConfig(paths)
  const status = liveStatus ?? recordedStatus(paths, daemonLockHeld)
  const isDefault = defaultQueueManager(node) === name
  const { host, port, deadLetterQueue } = config
  const replicated = config.ha !== undefined
  const drRole =
    config.dr === undefined
      ? undefined
      : readDrState(paths).role === 'primary'
        ? ('Primary' as const)
        : ('Secondary' as const)
  const entry = {
    name,
    status,
    host,
    port,
    isDefault,
    deadLetterQueue,
    replicated,
    ...(drRole === undefined ? {} : { drRole }),
  }
  return log === undefined ? entry : { ...entry, log }
}

export function formatDisplayLine(entry: QueueManagerEntry, output: DisplayOutput): string {
  const line = `QMNAME(${entry.name})`.padEnd(QMNAME_COLUMN_WIDTH) + `STATUS(${entry.status})`
  if (output === 'status') return line
  const ha = `HA(${entry.replicated ? 'Replicated' : ''})`
  if (output === 'ha') return `${line} ${ha}`
  const drRole = `DRROLE(${entry.drRole ?? ''})`
  if (output === 'dr') return `${line} ${drRole}`
  if (output === 'log') {
    if (entry.log === undefined) return line
    // The items after QMNAME; STATUS is the line's own (Running), not DISPLAY QMSTATUS's.
    return [line, ...queueManagerStatusItems(entry.name, entry.log, LOG_KEYWORDS).slice(1)].join(
      ' ',
    )
  }
  return [
    line,
    `DEFAULT(${entry.isDefault ? 'yes' : 'no'})`,
    'STANDBY(Not permitted)',
    `INSTNAME(${INSTALLATION_NAME})`,
    `INSTPATH(${INSTALLATION_PATH})`,
    `INSTVER(${installationVersion()})`,
    ha,
    drRole,
  ].join(' ')
}
