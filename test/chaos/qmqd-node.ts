/**
 * One node of the chaos suite's qmqd HA group: its QMQ_HOME and QMQ_NODE, the commands run as an
 * administrator runs them (dist/src/cli, through test/cli/support.ts), the daemon's pid from its
 * pid file (kill -9, SIGSTOP/SIGCONT), and its member's status asked over the node channel as a
 * peer node asks it (rdqmstatus's source), which answers in a partition since the node channel
 * is not proxied, and times out while the daemon is paused.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { nodeRequest } from '../../src/ha/node-channel/client.js'
import { identityOf } from '../../src/ha/node-channel/handshake.js'
import type { HaGroupDefinition } from '../../src/ha/rdqm-ini.js'
import type { MemberStatus } from '../../src/queue-manager/replicated-queue-manager.js'
import { runCommand, type CommandResult } from '../cli/support.js'

/** What `ha-status` answers for one queue manager (src/ha/ha-local.ts snapshotLocal). */
export interface NodeSnapshot {
  readonly status: string
  readonly control: string
  readonly member: MemberStatus | undefined
}

const STATUS_TIMEOUT_MS = 1_500
const STOP_WAIT_MS = 30_000

export class QmqdNode {
  private paused = false
  constructor(
    readonly name: string,
    readonly host: string,
    readonly home: string,
  ) {
    fs.mkdirSync(home, { recursive: true })
  }

  async run(command: string, words: readonly string[], input?: string): Promise<CommandResult> {
    const env = {
      ...(process.env as Record<string, string>),
      QMQ_HOME: this.home,
      QMQ_NODE: this.name,
      QMQ_LOG_LEVEL: process.env['QMQ_LOG_LEVEL'] ?? 'info',
    }
    return runCommand(command, words, { env, input, timeoutMs: 90_000 })
  }

  /** Runs a command that must succeed; its output otherwise in the error. */
  async must(command: string, words: readonly string[], input?: string): Promise<string> {
    const result = await this.run(command, words, input)
    if (result.code !== 0) {
      const said = `${result.stdout}${result.stderr}`.trim()
      throw new Error(`${this.name}: ${command} ${words.join(' ')} exited ${result.code}: ${said}`)
    }
    return result.stdout
  }

  pid(): number | undefined {
    try {
      return Number(fs.readFileSync(join(this.home, 'qmqd.pid'), 'utf8').trim())
    } catch {
      return undefined
    }
  }

  isRunning(): boolean {
    const pid = this.pid()
    return pid !== undefined && alive(pid)
  }

  signal(signal: NodeJS.Signals): void {
    const pid = this.pid()
    if (pid !== undefined && alive(pid)) process.kill(pid, signal)
  }

  /** SIGSTOP, remembered until resume(), a kill or a start (a paused daemon answers nothing). */
  pause(): void {
    if (!this.isRunning()) return
    this.signal('SIGSTOP')
    this.paused = true
  }

  resume(): void {
    if (!this.paused) return
    this.paused = false
    this.signal('SIGCONT')
  }

  get isPaused(): boolean {
    return this.paused
  }

  /** A daemon started again (`qmqd start`) is not paused. */
  async start(): Promise<void> {
    this.paused = false
    await this.must('qmqd', ['start'])
  }

  async kill9(): Promise<void> {
    this.paused = false
    const pid = this.pid()
    if (pid === undefined || !alive(pid)) return
    process.kill(pid, 'SIGKILL')
    await gone(pid, STOP_WAIT_MS)
  }

  /** An orderly `qmqd stop -f`; the pid killed only if that did not end it. */
  async stop(): Promise<void> {
    const pid = this.pid()
    if (pid === undefined || !alive(pid)) return
    process.kill(pid, 'SIGCONT')
    await this.run('qmqd', ['stop', '-f']).catch(() => undefined)
    if (await gone(pid, STOP_WAIT_MS)) return
    process.kill(pid, 'SIGKILL')
    await gone(pid, STOP_WAIT_MS)
  }

  /** The member's status here; undefined when the daemon does not answer in time. */
  async snapshot(
    group: HaGroupDefinition,
    nodePort: number,
    queueManager: string,
  ): Promise<NodeSnapshot | undefined> {
    // The node channel accepts only another node of the group: ask as one.
    const asker = group.nodes.find((node) => node.name !== this.name)!.name
    const target = { node: this.name, host: this.host, port: nodePort }
    try {
      const answer = await nodeRequest(
        identityOf(group, asker),
        target,
        'ha-status',
        { queueManager },
        STATUS_TIMEOUT_MS,
      )
      return answer as NodeSnapshot
    } catch {
      return undefined
    }
  }
}

/** Alive and not a zombie (a killed daemon's parent is not this process: it may linger). */
export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

async function gone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (alive(pid)) {
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return true
}
