/**
 * Child processes owned by the harness. Every server runs as a child in a process group of its
 * own (spawned detached), so stopping it signals exactly that group: the server and the helpers
 * it forked, never anything found by name. All groups still alive are killed when the harness
 * exits, including on SIGINT/SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import net from 'node:net'
import { sleepMs } from '../measure/clock.js'

export class UnavailableError extends Error {
  override readonly name = 'UnavailableError'
}

export interface ManagedProcess {
  readonly name: string
  readonly pid: number
  readonly logFile: string
  /** Resolves with the exit code (or null when killed by a signal). */
  readonly exited: Promise<number | null>
  hasExited(): boolean
  /** SIGTERM to the group, then SIGKILL if it is still there after `graceMs`. */
  stop(graceMs: number): Promise<void>
  /** One signal to the group (the failover scenario's kill -9); resolves once it has exited. */
  kill(signal: NodeJS.Signals): Promise<number | null>
}

const liveGroups = new Set<number>()
const temporaryDirectories = new Set<string>()
let cleanupInstalled = false

/** QMQ_BENCH_KEEP_DATA=1 keeps servers' data and logs for a post-mortem. */
function keepData(): boolean {
  return process.env['QMQ_BENCH_KEEP_DATA'] === '1'
}

/** A directory for one topology's data and logs, removed when it stops or the harness exits. */
export function createTemporaryDirectory(prefix: string): string {
  installCleanup()
  const directory = mkdtempSync(join(os.tmpdir(), `qmq-bench-${prefix}-`))
  temporaryDirectories.add(directory)
  return directory
}

export function removeTemporaryDirectory(directory: string): void {
  temporaryDirectories.delete(directory)
  if (!keepData()) rmSync(directory, { recursive: true, force: true })
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    // Already gone: nothing of ours is left to signal.
  }
}

function installCleanup(): void {
  if (cleanupInstalled) return
  cleanupInstalled = true
  process.on('exit', () => {
    for (const pid of liveGroups) signalGroup(pid, 'SIGKILL')
    for (const directory of temporaryDirectories) {
      if (!keepData()) rmSync(directory, { recursive: true, force: true })
    }
  })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nqmq-bench: ${signal}, stopping the servers this run started\n`)
      for (const pid of liveGroups) signalGroup(pid, 'SIGTERM')
      setTimeout(() => process.exit(130), 3000).unref()
    })
  }
}

export interface SpawnOptions {
  readonly env?: NodeJS.ProcessEnv
  readonly cwd?: string
  readonly logFile: string
}

export function spawnManaged(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions,
): ManagedProcess {
  installCleanup()
  const log = createWriteStream(options.logFile, { flags: 'a' })
  const child: ChildProcess = spawn(command, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.pipe(log)
  child.stderr?.pipe(log)
  const pid = child.pid
  if (pid === undefined) throw new Error(`could not start ${command}`)
  liveGroups.add(pid)
  let done = false
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      done = true
      liveGroups.delete(pid)
      resolve(code)
    })
  })
  const stop = async (graceMs: number): Promise<void> => {
    if (done) return
    signalGroup(pid, 'SIGTERM')
    const timer = sleepMs(graceMs).then(() => 'timeout' as const)
    if ((await Promise.race([exited, timer])) === 'timeout') {
      signalGroup(pid, 'SIGKILL')
      await exited
    }
  }
  const kill = (signal: NodeJS.Signals): Promise<number | null> => {
    if (!done) signalGroup(pid, signal)
    return exited
  }
  return { name, pid, logFile: options.logFile, exited, hasExited: () => done, stop, kill }
}

export interface CommandResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs a command to completion (bounded by `timeoutMs`), feeding it `input` on stdin. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
    child.stdin.end(options.input ?? '')
  })
}

export async function runChecked(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<string> {
  const result = await runCommand(command, args, options)
  if (result.code !== 0) {
    const output = `${result.stdout}\n${result.stderr}`.trim().slice(-2000)
    throw new Error(`${command} ${args.join(' ')} exited with ${result.code}: ${output}`)
  }
  return result.stdout
}

/** Fails when a port is taken, so a server does not die later with a less helpful message. */
export async function assertPortFree(port: number, host = '127.0.0.1'): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer()
    server.once('error', (error) =>
      reject(
        new Error(
          `port ${host}:${port} is in use (${String(error)}); ` +
            'choose other ports with QMQ_BENCH_PORT_BASE',
        ),
      ),
    )
    server.listen(port, host, () => server.close(() => resolve()))
  })
}

export async function waitForPort(port: number, timeoutMs: number, host = '127.0.0.1') {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, host)
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (open) return
    await sleepMs(100)
  }
  throw new Error(`nothing listened on ${host}:${port} within ${timeoutMs} ms`)
}

/** The last lines of a log, for error messages when a server fails to start. */
export function tailOf(file: string, lines = 20): string {
  if (!existsSync(file)) return '(no log)'
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n')
}

/**
 * Ports of one run: QMQ_BENCH_PORT_BASE plus fixed offsets per server kind (+100..+130 RabbitMQ,
 * +200..+230 NATS, +300.. QuorumMQ). The default stays below Linux's ephemeral range (32768+),
 * where any outgoing connection may already hold a port.
 */
export function portBase(): number {
  const configured = Number.parseInt(process.env['QMQ_BENCH_PORT_BASE'] ?? '', 10)
  return Number.isInteger(configured) && configured > 0 ? configured : 21_000
}

/** Finds an executable on PATH or at an absolute path. */
export function findExecutable(name: string): string | undefined {
  if (name.startsWith('/')) return existsSync(name) ? name : undefined
  for (const directory of (process.env['PATH'] ?? '').split(':')) {
    const candidate = `${directory}/${name}`
    if (directory !== '' && existsSync(candidate)) return candidate
  }
  return undefined
}
