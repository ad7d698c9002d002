/**
 * Lifecycle hooks: what OpenVMS failover sets call start, end and tidy procedures, and Heartbeat
 * resource scripts. On each role change of an HA queue manager on this node, every executable
 * file directly in QMQ_HOME/hooks/ (name order, dot files skipped) runs as
 *
 *   <hook> <queue manager> <role> <epoch>
 *     role   primary    this node now serves the queue manager (clients connect here)
 *            secondary  a member that is not (or no longer) serving
 *            ended      the member closed here (endmqm, rdqmadm -s, qmqd stop, failure)
 *   env    QMQ_HOOK_QUEUE_MANAGER, QMQ_HOOK_ROLE, QMQ_HOOK_EPOCH, QMQ_HOOK_PREVIOUS_ROLE,
 *          QMQ_HOOK_NODE, QMQ_HOME, and QMQ_FLOATING_IP / QMQ_FLOATING_INTERFACE when rdqmint
 *          set a floating address
 *
 * Before the hooks, the floating address (rdqmint) is added on `primary` and deleted on the
 * others with `ip addr`, when the daemon runs as root (otherwise only the hooks see it).
 *
 * Calls of one queue manager run one at a time, in the order of the changes, so a `secondary`
 * never overtakes the `primary` before it. Each is killed after HA_HOOK_TIMEOUT_MS. A failure
 * is logged, not fatal: the group's safety rests on the replication quorum, not on scripts, and
 * a cut-off primary must be able to step down even when its hook hangs or its address is
 * already gone; a hook is a convenience the operator mends from the log.
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import { join } from 'node:path'
import { HA_HOOK_OUTPUT_MAX_BYTES, HA_HOOK_TIMEOUT_MS } from '../constants.js'
import type { Logger } from '../log.js'

export type HookRole = 'primary' | 'secondary' | 'ended'

export interface FloatingAddress {
  /** IPv4, optionally with a prefix length ("10.0.0.9" means 10.0.0.9/32). */
  readonly address: string
  readonly interface: string
}

export interface HookCall {
  readonly queueManager: string
  readonly node: string
  readonly role: HookRole
  readonly previousRole: HookRole | undefined
  readonly epoch: number
  readonly floating: FloatingAddress | undefined
}

export interface HookCommand {
  readonly file: string
  readonly args: readonly string[]
  readonly env: Readonly<Record<string, string>>
  /** `ip addr add` of an address already there (or del of one gone) is no failure. */
  readonly benign?: RegExp
}

export interface HookOutcome {
  readonly code: number | null
  readonly timedOut: boolean
  readonly output: string
}

export type RunHook = (command: HookCommand, timeoutMs: number) => Promise<HookOutcome>

export function hooksDirectory(home: string): string {
  return join(home, 'hooks')
}

/** The executables in `directory`, in name order (none if it does not exist). */
export function hookFiles(directory: string): string[] {
  let names: string[]
  try {
    names = fs.readdirSync(directory).sort()
  } catch {
    return []
  }
  return names
    .filter((name) => !name.startsWith('.'))
    .map((name) => join(directory, name))
    .filter((file) => {
      try {
        const stat = fs.statSync(file)
        return stat.isFile() && (stat.mode & 0o111) !== 0
      } catch {
        return false
      }
    })
}

function withPrefix(address: string): string {
  return address.includes('/') ? address : `${address}/32`
}

function floatingCommand(verb: 'add' | 'del', floating: FloatingAddress): HookCommand {
  return {
    file: 'ip',
    args: ['addr', verb, withPrefix(floating.address), 'dev', floating.interface],
    env: {},
    benign: verb === 'add' ? /File exists/ : /Cannot assign requested address/,
  }
}

/** The commands one role change runs: the floating address first (as root), then the hooks. */
export function hookCommands(
  call: HookCall,
  home: string,
  files: readonly string[],
  root: boolean,
): HookCommand[] {
  const env: Record<string, string> = {
    QMQ_HOOK_QUEUE_MANAGER: call.queueManager,
    QMQ_HOOK_ROLE: call.role,
    QMQ_HOOK_EPOCH: String(call.epoch),
    QMQ_HOOK_PREVIOUS_ROLE: call.previousRole ?? '',
    QMQ_HOOK_NODE: call.node,
    QMQ_HOME: home,
  }
  const commands: HookCommand[] = []
  if (call.floating !== undefined) {
    env['QMQ_FLOATING_IP'] = call.floating.address
    env['QMQ_FLOATING_INTERFACE'] = call.floating.interface
    if (root) {
      commands.push(floatingCommand(call.role === 'primary' ? 'add' : 'del', call.floating))
    }
  }
  for (const file of files) {
    commands.push({ file, args: [call.queueManager, call.role, String(call.epoch)], env })
  }
  return commands
}

/** A child process with a deadline (killed with SIGKILL past it), its output capped. */
export const runProcess: RunHook = (command, timeoutMs) =>
  new Promise((resolve) => {
    execFile(
      command.file,
      [...command.args],
      {
        env: { ...process.env, ...command.env },
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: HA_HOOK_OUTPUT_MAX_BYTES * 4,
      },
      (error, stdout, stderr) => {
        const output = `${stdout.slice(0, HA_HOOK_OUTPUT_MAX_BYTES)}${stderr.slice(
          0,
          HA_HOOK_OUTPUT_MAX_BYTES,
        )}`.trim()
        if (error === null) return resolve({ code: 0, timedOut: false, output })
        const timedOut = error.killed === true && error.signal === 'SIGKILL'
        const code = typeof error.code === 'number' ? error.code : null
        resolve({ code, timedOut, output: output || error.message })
      },
    )
  })

/**
 * One queue manager's hook calls, in order. `changed` returns at once; `idle` settles when every
 * call so far has run (tests, and a daemon that wants its `ended` hooks done before it exits).
 */
export class HookRunner {
  private chain: Promise<void> = Promise.resolve()
  private lastRole: HookRole | undefined

  constructor(
    private readonly home: string,
    private readonly logger: Logger,
    private readonly run: RunHook = runProcess,
    private readonly timeoutMs: number = HA_HOOK_TIMEOUT_MS,
    private readonly root: boolean = process.getuid?.() === 0,
  ) {}

  /** A role change; repeated calls with the role it already has are dropped. */
  changed(call: Omit<HookCall, 'previousRole'>): void {
    if (call.role === this.lastRole) return
    const full: HookCall = { ...call, previousRole: this.lastRole }
    this.lastRole = call.role
    this.chain = this.chain.then(() => this.runAll(full))
  }

  /** rdqmint on the serving node: the old address deleted and the new one added (as root). */
  floatingMoved(previous: FloatingAddress | undefined, next: FloatingAddress | undefined): void {
    if (!this.root) return
    const commands = [
      ...(previous === undefined ? [] : [floatingCommand('del', previous)]),
      ...(next === undefined ? [] : [floatingCommand('add', next)]),
    ]
    this.chain = this.chain.then(async () => {
      for (const command of commands) await this.runOne(command, 'primary', -1)
    })
  }

  idle(): Promise<void> {
    return this.chain
  }

  private async runAll(call: HookCall): Promise<void> {
    const files = hookFiles(hooksDirectory(this.home))
    if (call.floating !== undefined && !this.root) {
      this.logger.warn({ qm: call.queueManager }, 'not root: the floating address is left to hooks')
    }
    for (const command of hookCommands(call, this.home, files, this.root)) {
      await this.runOne(command, call.role, call.epoch)
    }
  }

  private async runOne(command: HookCommand, role: HookRole, epoch: number): Promise<void> {
    const outcome = await this.run(command, this.timeoutMs).catch(
      (error: unknown): HookOutcome => ({ code: null, timedOut: false, output: String(error) }),
    )
    const benign = command.benign?.test(outcome.output) === true
    const context = { hook: command.file, role, epoch, ...outcome }
    if (outcome.code === 0 || benign) this.logger.info(context, 'lifecycle hook ran')
    else this.logger.warn(context, 'lifecycle hook failed (the role change stands)')
  }
}
