/**
 * The node directory (QMQ_HOME, default ~/.quorummq): everything one node's daemon owns.
 *
 *   <home>/qmqd.pid                 pid of the running daemon (information; the lock is a socket,
 *                                   daemon-lock.ts)
 *   <home>/node.json                node settings: the default queue manager (crtmqm -q)
 *   <home>/qmqd.sock                control socket: JSON lines, see control-protocol.ts
 *   <home>/logs/qmqd.<n>.log        log of a daemon started in the background, rolled by size
 *   <home>/logs/current.log         symbolic link to the one being written
 *   <home>/logs/qmqd.out            its stdout and stderr: only what bypasses the logger (a
 *                                   crash's stack trace)
 *   <home>/qmgrs/<QM>/qmgr.json     the queue manager's configuration (listener host and port)
 *   <home>/qmgrs/<QM>/status.json   its last recorded state, for dspmq after a daemon restart
 *   <home>/qmgrs/<QM>/data/         its data directory (journal, checkpoints; queue-manager/)
 */
import os from 'node:os'
import { join, resolve } from 'node:path'

export interface NodePaths {
  readonly home: string
  readonly pidFile: string
  readonly nodeConfig: string
  readonly socket: string
  readonly logs: string
  /** The rolling files' base name (pino-roll adds .<n>.log). */
  readonly daemonLogBase: string
  readonly daemonLog: string
  readonly daemonOutput: string
  readonly queueManagers: string
}

export interface QueueManagerPaths {
  readonly root: string
  readonly config: string
  readonly status: string
  readonly data: string
}

/** QMQ_HOME if set (made absolute), else ~/.quorummq. */
export function nodeHome(environment: NodeJS.ProcessEnv = process.env): string {
  const configured = environment['QMQ_HOME']
  if (configured !== undefined && configured !== '') return resolve(configured)
  return join(os.homedir(), '.quorummq')
}

export function nodePaths(home: string): NodePaths {
  const logs = join(home, 'logs')
  return {
    home,
    pidFile: join(home, 'qmqd.pid'),
    nodeConfig: join(home, 'node.json'),
    socket: join(home, 'qmqd.sock'),
    logs,
    daemonLogBase: join(logs, 'qmqd'),
    daemonLog: join(logs, 'current.log'),
    daemonOutput: join(logs, 'qmqd.out'),
    queueManagers: join(home, 'qmgrs'),
  }
}

/** Only call with a name that passed validateQueueManagerName: it becomes a directory name. */
export function queueManagerPaths(node: NodePaths, name: string): QueueManagerPaths {
  const root = join(node.queueManagers, name)
  return {
    root,
    config: join(root, 'qmgr.json'),
    status: join(root, 'status.json'),
    data: join(root, 'data'),
  }
}
