/**
 * What every control command shares: running main with MQ-style failure output and exit codes,
 * talking to the node daemon, printing its replies.
 *
 * Output: information on stdout, AMQ error messages on stderr. Exit codes are MQ's per command
 * (messages.ts). Usage errors print AMQ7024E and the command's usage line and exit 36 (MQ's
 * "invalid arguments"), runmqsc excepted (20).
 */
import { CommandFailure, isCommandFailure } from '../daemon/command-failure.js'
import {
  DaemonConnectionLost,
  DaemonNotRunning,
  sendControlRequest,
} from '../daemon/control-client.js'
import type { ControlResponse } from '../daemon/control-protocol.js'
import { ensureDaemon } from '../daemon/daemon-launcher.js'
import { nodeHome, nodePaths, type NodePaths } from '../daemon/node-paths.js'
import {
  ArgumentError,
  parseArguments,
  type OptionSpecification,
  type ParsedArguments,
} from './arguments.js'
import { formatMessage } from '../amq-messages.js'
import { exitWithHelpIfAsked } from './command-help.js'

export function localNode(): NodePaths {
  return nodePaths(nodeHome())
}

/** Runs a command's main and exits with its code once output is flushed. */
export function runMain(main: () => Promise<number>): void {
  main().then(exitAfterFlush, (error: unknown) => {
    exitAfterFlush(reportFailure(error))
  })
}

let errorsSuppressed = false

/** MQ's -z: error messages are not printed; the exit code still tells what happened. */
export function suppressErrorMessages(): void {
  errorsSuppressed = true
}

function writeError(line: string): void {
  if (!errorsSuppressed) process.stderr.write(`${line}\n`)
}

/** Prints a failure as its message and returns the exit code. */
export function reportFailure(error: unknown): number {
  if (isCommandFailure(error)) {
    writeError(error.message)
    return error.exitCode
  }
  const reason =
    error instanceof DaemonConnectionLost
      ? `the node daemon ended before it answered (${error.message})`
      : error instanceof Error
        ? error.message
        : String(error)
  const failure = new CommandFailure('UNEXPECTED', { reason })
  writeError(failure.message)
  return failure.exitCode
}

function exitAfterFlush(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)))
}

/**
 * Parses arguments; `-h`, `-?` or `--help` prints the command's help and exits 0 (the command is
 * the usage line's first word); a usage error prints AMQ7024E and the usage line, exits
 * `exitCode`.
 */
export function parseOrUsage(
  words: readonly string[],
  specification: OptionSpecification,
  usage: string,
  accepts: (parsed: ParsedArguments) => boolean,
  exitCode = 36,
): ParsedArguments {
  exitWithHelpIfAsked(usage.split(' ')[0]!, words)
  let parsed: ParsedArguments | undefined
  try {
    parsed = parseArguments(words, specification)
  } catch (error) {
    if (!(error instanceof ArgumentError)) throw error
  }
  if (parsed !== undefined && accepts(parsed)) return parsed
  process.stderr.write(`${formatMessage('ARGUMENTS_NOT_VALID')}\nUsage: ${usage}\n`)
  process.exit(exitCode)
}

export function printResponse(response: ControlResponse): number {
  for (const line of response.output) process.stdout.write(`${line}\n`)
  for (const line of response.errors) writeError(line)
  return response.exitCode
}

/**
 * Sends a command to the node daemon, starting the daemon in the background first if it does
 * not answer (and saying so).
 */
export async function callDaemonStarting(
  command: string,
  parameters: Readonly<Record<string, unknown>>,
): Promise<ControlResponse> {
  const paths = localNode()
  const daemon = await ensureDaemon(paths)
  if (daemon.started) {
    process.stdout.write(
      `${formatMessage('DAEMON_STARTED', { pid: daemon.pid, home: daemon.home })}\n`,
    )
  }
  return sendControlRequest(paths, command, parameters)
}

/** Sends a command if the daemon answers; undefined if it does not run. */
export async function callDaemonIfRunning(
  command: string,
  parameters: Readonly<Record<string, unknown>>,
): Promise<ControlResponse | undefined> {
  try {
    return await sendControlRequest(localNode(), command, parameters)
  } catch (error) {
    if (error instanceof DaemonNotRunning) return undefined
    throw error
  }
}
