#!/usr/bin/env node
/**
 * qmqd: the QuorumMQ node daemon (design: src/daemon/node-daemon.ts).
 *
 *   qmqd [run]             run in the foreground (systemd, containers); SIGTERM or SIGINT ends
 *                          every running queue manager immediately, then exits 0.
 *                          --metrics[=PORT], --console[=PORT] (or QMQ_METRICS_PORT,
 *                          QMQ_CONSOLE_PORT): Prometheus endpoint and web console on loopback
 *                          (src/ops/ops-settings.ts)
 *   qmqd start             start in the background unless running (commands do this themselves)
 *   qmqd stop [-f]         ask the running daemon to stop; waits until its process is gone.
 *                          Refused (exit 5, naming them) while queue managers run; -f ends
 *                          each immediately, naming it
 *   qmqd status            exit 0 and its pid if running, exit 1 if not
 *   qmqd send CMD [JSON]   send any control command (JSON arguments) and print the raw response
 *
 * The node directory is QMQ_HOME (default ~/.quorummq).
 */
import { CommandFailure } from '../daemon/command-failure.js'
import { pingDaemon, sendControlRequest } from '../daemon/control-client.js'
import { checkNodeDirectory, ensureDaemon } from '../daemon/daemon-launcher.js'
import { reportLaunch } from '../daemon/launch-report.js'
import { NodeDaemon } from '../daemon/node-daemon.js'
import { opsSettingsOf } from '../ops/ops-settings.js'
import { processAlive } from '../runtime/process-liveness.js'
import { DAEMON_POLL_INTERVAL_MS, DAEMON_STOP_TIMEOUT_MS } from '../constants.js'
import { COMMAND_HELP, exitWithHelpIfAsked } from './command-help.js'
import { localNode, printResponse, runMain } from './command-line.js'
import { formatMessage } from '../amq-messages.js'

const USAGE = COMMAND_HELP['qmqd']!.usage

async function main(): Promise<number> {
  exitWithHelpIfAsked('qmqd', process.argv.slice(2))
  const [subcommand = 'run', ...rest] = process.argv.slice(2)
  switch (subcommand) {
    case 'run':
      return runForeground(rest)
    case 'start':
      return start()
    case 'stop':
      return stop(rest)
    case 'status':
      return status()
    case 'send':
      return send(rest)
    default:
      return usageError()
  }
}

function usageError(): number {
  process.stderr.write(`${formatMessage('ARGUMENTS_NOT_VALID')}\nUsage: ${USAGE}\n`)
  return 36
}

async function runForeground(rest: readonly string[]): Promise<number> {
  const spawned = rest.includes('--spawned')
  const known = (word: string) => word === '--spawned' || /^--(metrics|console)(=.*)?$/.test(word)
  if (!rest.every(known)) return usageError()
  const ops = opsSettingsOf(rest)
  const paths = localNode()
  checkNodeDirectory(paths)
  let daemon: NodeDaemon
  try {
    daemon = await NodeDaemon.start(paths, { logToFiles: spawned, ops })
  } catch (error) {
    // Spawned by a command that raced another one: the other daemon serves both.
    if (spawned && error instanceof CommandFailure && error.key === 'DAEMON_ALREADY_RUNNING') {
      const pid = error.inserts['pid']
      await reportLaunch({
        type: 'already-running',
        pid: typeof pid === 'number' ? pid : 'unknown',
      })
      process.stderr.write(`${error.message}\n`)
      return 0
    }
    await reportLaunch({
      type: 'failed',
      reason: error instanceof Error ? error.message : String(error),
    })
    throw error
  }
  await reportLaunch({ type: 'ready', ...daemon.identity() })
  let signals = 0
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++
    daemon.logger.info({ signal }, 'signal received')
    // A second signal means the orderly stop is taking too long for whoever sends them.
    if (signals > 1) process.exit(1)
    void daemon.stop()
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  await daemon.stopped
  return 0
}

async function start(): Promise<number> {
  const paths = localNode()
  const daemon = await ensureDaemon(paths)
  const key = daemon.started ? 'DAEMON_STARTED' : 'DAEMON_RUNNING'
  const inserts = { pid: daemon.pid, home: daemon.home, version: daemon.version }
  process.stdout.write(`${formatMessage(key, inserts)}\n`)
  return 0
}

async function stop(rest: readonly string[]): Promise<number> {
  const force = rest.includes('-f')
  if (rest.some((word) => word !== '-f')) return usageError()
  const paths = localNode()
  const running = await pingDaemon(paths)
  if (running === undefined) {
    process.stdout.write(`${formatMessage('DAEMON_NOT_RUNNING', { home: paths.home })}\n`)
    return 0
  }
  const response = await sendControlRequest(paths, 'stop', { force })
  if (response.exitCode !== 0) return printResponse(response)
  printResponse(response)
  const deadline = Date.now() + DAEMON_STOP_TIMEOUT_MS
  while (processAlive(running.pid)) {
    if (Date.now() > deadline) {
      const reason = `process ${running.pid} still runs ${DAEMON_STOP_TIMEOUT_MS} ms after stop`
      throw new CommandFailure('UNEXPECTED', { reason })
    }
    await new Promise((resolve) => setTimeout(resolve, DAEMON_POLL_INTERVAL_MS))
  }
  process.stdout.write(`${formatMessage('DAEMON_STOPPED', { pid: running.pid })}\n`)
  return 0
}

async function status(): Promise<number> {
  const paths = localNode()
  const running = await pingDaemon(paths)
  if (running === undefined) {
    process.stdout.write(`${formatMessage('DAEMON_NOT_RUNNING', { home: paths.home })}\n`)
    return 1
  }
  const inserts = { pid: running.pid, home: running.home, version: running.version }
  process.stdout.write(`${formatMessage('DAEMON_RUNNING', inserts)}\n`)
  return 0
}

async function send(rest: string[]): Promise<number> {
  const [command, json] = rest
  if (command === undefined) return usageError()
  const parameters = json === undefined ? {} : (JSON.parse(json) as Record<string, unknown>)
  const response = await sendControlRequest(localNode(), command, parameters)
  process.stdout.write(`${JSON.stringify(response, null, 2)}\n`)
  return response.exitCode
}

runMain(main)
