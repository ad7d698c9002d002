/**
 * Starts qmqd in the background for a command that needs it: a detached child running
 * `qmqd run --spawned`, logging to rolling files in logs/ (daemon-log.ts; stdout and stderr to
 * logs/qmqd.out for what bypasses the logger), with an IPC channel over which it
 * reports once how its start went (launch-report.ts) and then lets go. So a start that fails is
 * told at once with its reason, and a child that dies without a report is seen by its exit.
 *
 * Two commands racing here may both spawn a daemon; the daemon lock lets exactly one win, the
 * other child reports 'already-running' and exits, and both commands then talk to the winner
 * (which holds the lock a moment before its control socket answers).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import { fileURLToPath } from 'node:url'
import {
  DAEMON_POLL_INTERVAL_MS,
  DAEMON_START_TIMEOUT_MS,
  UNIX_SOCKET_PATH_MAX_BYTES,
} from '../constants.js'
import { CommandFailure } from './command-failure.js'
import { pingDaemon, type PingData } from './control-client.js'
import { isLaunchReport, type LaunchReport } from './launch-report.js'
import type { NodePaths } from './node-paths.js'

/** The compiled qmqd entry point next to this file's compiled form (dist/src/cli/qmqd.js). */
const DAEMON_ENTRY = fileURLToPath(new URL('../cli/qmqd.js', import.meta.url))
/** How much of the daemon log a failed start quotes. */
const LOG_TAIL_BYTES = 2048

export interface DaemonHandle extends PingData {
  /** True if this call started it. */
  readonly started: boolean
}

type LaunchOutcome =
  | LaunchReport
  | { readonly type: 'exited'; readonly code: number | null; readonly signal: string | null }
  | { readonly type: 'timeout' }

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
  const deadline = Date.now() + DAEMON_START_TIMEOUT_MS
  const outcome = await launch(paths, deadline)
  switch (outcome.type) {
    case 'ready':
      return { pid: outcome.pid, home: outcome.home, version: outcome.version, started: true }
    case 'already-running':
      return waitForRunning(paths, deadline)
    case 'failed':
      throw unavailable(paths, `it could not start: ${outcome.reason}`, false)
    case 'exited':
      throw unavailable(paths, describeExit(outcome), true)
    case 'timeout':
      throw unavailable(paths, `it did not report within ${DAEMON_START_TIMEOUT_MS} ms`, true)
  }
}

async function launch(paths: NodePaths, deadline: number): Promise<LaunchOutcome> {
  fs.mkdirSync(paths.logs, { recursive: true, mode: 0o700 })
  const log = fs.openSync(paths.daemonOutput, 'a')
  let child: ChildProcess
  try {
    child = spawn(process.execPath, [DAEMON_ENTRY, 'run', '--spawned'], {
      detached: true,
      stdio: ['ignore', log, log, 'ipc'],
      env: { ...process.env, QMQ_HOME: paths.home },
    })
  } finally {
    fs.closeSync(log)
  }
  try {
    return await firstOutcome(child, deadline)
  } finally {
    if (child.connected) child.disconnect()
    child.unref()
  }
}

function firstOutcome(child: ChildProcess, deadline: number): Promise<LaunchOutcome> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ type: 'timeout' }), deadline - Date.now())
    const settle = (outcome: LaunchOutcome): void => {
      clearTimeout(timer)
      resolve(outcome)
    }
    child.once('error', (error) => settle({ type: 'failed', reason: error.message }))
    child.on('message', (message) => {
      if (isLaunchReport(message)) settle(message)
    })
    // 'close', not 'exit': it comes after the IPC channel is drained, so a report sent just
    // before exiting is never overtaken by the exit.
    child.once('close', (code, signal) => settle({ type: 'exited', code, signal }))
  })
}

/** Another daemon holds the lock: it answers as soon as its control socket listens. */
async function waitForRunning(paths: NodePaths, deadline: number): Promise<DaemonHandle> {
  while (Date.now() < deadline) {
    const answer = await pingDaemon(paths)
    if (answer !== undefined) return { ...answer, started: false }
    await new Promise((resolve) => setTimeout(resolve, DAEMON_POLL_INTERVAL_MS))
  }
  const reason = `another daemon holds the lock but did not answer within ${DAEMON_START_TIMEOUT_MS} ms`
  throw unavailable(paths, reason, true)
}

function describeExit(exit: { code: number | null; signal: string | null }): string {
  const how = exit.signal === null ? `with code ${exit.code}` : `by ${exit.signal}`
  return `it ended ${how} before it reported its start`
}

function unavailable(paths: NodePaths, reason: string, quoteLog: boolean): CommandFailure {
  const tail = quoteLog ? [paths.daemonLog, paths.daemonOutput].map(logTail).join('\n').trim() : ''
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
