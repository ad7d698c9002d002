/**
 * Starts qmqd in the background for a command that needs it: a detached child running
 * `qmqd run`, its output appended to logs/qmqd.log, and the command waits until the control
 * socket answers. Two commands racing here may both spawn a daemon; the pid-file lock lets one
 * win and the other exit, and both commands then talk to the winner.
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import { fileURLToPath } from 'node:url'
import {
  DAEMON_POLL_INTERVAL_MS,
  DAEMON_START_TIMEOUT_MS,
  UNIX_SOCKET_PATH_MAX_BYTES,
} from '../constants.js'
import { CommandFailure } from './command-failure.js'
import { pingDaemon, type PingData } from './control-client.js'
import type { NodePaths } from './node-paths.js'

/** The compiled qmqd entry point next to this file's compiled form (dist/src/cli/qmqd.js). */
const DAEMON_ENTRY = fileURLToPath(new URL('../cli/qmqd.js', import.meta.url))
/** How much of the daemon log a failed start quotes. */
const LOG_TAIL_BYTES = 2048

export interface DaemonHandle extends PingData {
  /** True if this call started it. */
  readonly started: boolean
}

/** Refuses a node directory whose socket path would not fit sun_path. */
export function checkNodeDirectory(paths: NodePaths): void {
  if (Buffer.byteLength(paths.socket) > UNIX_SOCKET_PATH_MAX_BYTES) {
    const reason = `the control socket path ${paths.socket} is longer than ${UNIX_SOCKET_PATH_MAX_BYTES} bytes; use a shorter QMQ_HOME`
    throw new CommandFailure('HOME_NOT_USABLE', { home: paths.home, reason })
  }
}

export async function ensureDaemon(paths: NodePaths): Promise<DaemonHandle> {
  checkNodeDirectory(paths)
  const running = await pingDaemon(paths)
  if (running !== undefined) return { ...running, started: false }
  fs.mkdirSync(paths.logs, { recursive: true, mode: 0o700 })
  const log = fs.openSync(paths.daemonLog, 'a')
  let exit: { code: number | null; signal: string | null } | undefined
  let childPid: number | undefined
  try {
    // --spawned: if another daemon wins the race for the lock, exit 0 instead of failing.
    const child = spawn(process.execPath, [DAEMON_ENTRY, 'run', '--spawned'], {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, QMQ_HOME: paths.home },
    })
    child.once('exit', (code, signal) => {
      exit = { code, signal }
    })
    child.unref()
    childPid = child.pid
  } finally {
    fs.closeSync(log)
  }
  const deadline = Date.now() + DAEMON_START_TIMEOUT_MS
  while (Date.now() < deadline) {
    const answer = await pingDaemon(paths)
    if (answer !== undefined) return { ...answer, started: answer.pid === childPid }
    // Exit code 0 is a daemon that found another one starting: keep waiting for that one.
    if (exit !== undefined && exit.code !== 0) throw unavailable(paths, describeExit(exit))
    await new Promise((resolve) => setTimeout(resolve, DAEMON_POLL_INTERVAL_MS))
  }
  throw unavailable(paths, `it did not answer within ${DAEMON_START_TIMEOUT_MS} ms`)
}

function describeExit(exit: { code: number | null; signal: string | null }): string {
  return exit.signal === null ? `it exited with code ${exit.code}` : `it ended by ${exit.signal}`
}

function unavailable(paths: NodePaths, reason: string): CommandFailure {
  const tail = logTail(paths.daemonLog)
  const detail = tail === '' ? reason : `${reason}; last log lines:\n${tail}\n`
  return new CommandFailure('DAEMON_UNAVAILABLE', { reason: detail, log: paths.daemonLog })
}

function logTail(file: string): string {
  try {
    const text = fs.readFileSync(file, 'utf8')
    return text.slice(-LOG_TAIL_BYTES).trim()
  } catch {
    return ''
  }
}
