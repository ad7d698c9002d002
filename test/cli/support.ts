/**
 * Runs the built commands (dist/src/cli/<command>.js, so `npm run build` first) as a user would,
 * each test file in its own node directory (QMQ_HOME in a temporary directory), ports probed
 * free.
 * Every daemon a file causes to start is stopped by its pid at the end: `qmqd stop -f`, then the
 * pid is checked gone, and only if it is not, that one pid is killed.
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import { join } from 'node:path'
import { packageRoot } from '../../src/runtime/package-root.js'

export interface CommandResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export interface RunOptions {
  readonly input?: string
  readonly env?: Readonly<Record<string, string>>
  readonly timeoutMs?: number
}

const COMMAND_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 30_000

export function commandPath(command: string): string {
  const path = join(packageRoot, 'dist', 'src', 'cli', `${command}.js`)
  if (!fs.existsSync(path)) throw new Error(`${path} is missing: run npm run build first`)
  return path
}

export class TestNode {
  readonly home: string

  constructor(prefix: string) {
    // Short: the control socket path must fit in 107 bytes.
    this.home = fs.mkdtempSync(join(os.tmpdir(), `qmq-${prefix}-`))
  }

  get environment(): Record<string, string> {
    return { ...(process.env as Record<string, string>), QMQ_HOME: this.home }
  }

  run(command: string, words: readonly string[] = [], options: RunOptions = {}) {
    return runCommand(command, words, { ...options, env: { ...this.environment, ...options.env } })
  }

  daemonPid(): number | undefined {
    try {
      return Number(fs.readFileSync(join(this.home, 'qmqd.pid'), 'utf8').trim())
    } catch {
      return undefined
    }
  }

  /** Stops the daemon if one runs (by its pid), then removes the node directory. */
  async dispose(): Promise<void> {
    const pid = this.daemonPid()
    if (pid !== undefined && alive(pid)) {
      // A daemon that does not answer its stop in time is killed below, not left running.
      await this.run('qmqd', ['stop', '-f']).catch(() => undefined)
      if (!(await exited(pid, STOP_TIMEOUT_MS))) {
        process.kill(pid, 'SIGKILL')
        await exited(pid, STOP_TIMEOUT_MS)
      }
    }
    fs.rmSync(this.home, { recursive: true, force: true })
  }
}

export function runCommand(
  command: string,
  words: readonly string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [commandPath(command), ...words], {
      env: options.env ?? (process.env as Record<string, string>),
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${command} ${words.join(' ')} did not finish: ${stdout}${stderr}`))
    }, options.timeoutMs ?? COMMAND_TIMEOUT_MS)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code: code ?? -1, stdout, stderr })
    })
    child.stdin.end(options.input ?? '')
  })
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export async function exited(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (alive(pid)) {
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return true
}

/**
 * A port nothing listens on right now, chosen below Linux's ephemeral range (32768-60999): a
 * port the kernel hands out for port 0 is also handed out as the source port of outgoing
 * connections, and other test files open thousands of those while this one waits to bind it.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000)
    if (await bindable(port)) return port
  }
  throw new Error('no free port found below the ephemeral range')
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', () => resolve(false))
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () =>
      server.close(() => resolve(true)),
    )
  })
}

/** The lines of a dspmq-style output, trimmed of trailing blanks. */
export function lines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '')
}

/** `STATUS(...)` of one queue manager in dspmq output. */
export function statusOf(dspmqOutput: string, queueManager: string): string | undefined {
  const line = lines(dspmqOutput).find((each) => each.startsWith(`QMNAME(${queueManager})`))
  return line === undefined ? undefined : /STATUS\(([^)]*)\)/.exec(line)?.[1]
}

/** `message <text>` lines of amqsget. */
export function messagesOf(amqsgetOutput: string): string[] {
  return lines(amqsgetOutput)
    .filter((line) => line.startsWith('message <'))
    .map((line) => line.slice('message <'.length, -1))
}

/** The smallest journal segments crtmqm allows (-lf in MQ's 4 KiB pages, about 8 MiB). */
export const SMALL_LOG_FILE_PAGES = '2049'
