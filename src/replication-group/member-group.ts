/**
 * A replicated group of real member processes on loopback (127.0.0.1..3, same ports), each with
 * its own data directory and journal, started from dist/src/queue-manager/member-main.js. Events
 * are read from each member's stdout (JSON lines with an "event" field); every process is
 * stopped by its own pid. The replication tests and `npm run bench:replication` share it (it
 * lives in src/ so the build does not compile test files), and so does the chaos suite's member
 * driver.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import { connect, type QueueManagerConnection } from '../client/index.js'
import { packageRoot } from '../runtime/package-root.js'

export interface MemberEvent {
  readonly event: string
  readonly [field: string]: unknown
}

export const NODES = ['a', 'b', 'c'] as const
export type NodeName = (typeof NODES)[number]
export const HOSTS: Record<NodeName, string> = { a: '127.0.0.1', b: '127.0.0.2', c: '127.0.0.3' }
const MEMBER_MAIN = join(packageRoot, 'dist', 'src', 'queue-manager', 'member-main.js')

export class MemberProcess {
  readonly events: MemberEvent[] = []
  readonly exited: Promise<number | null>
  private readonly listeners = new Set<() => void>()
  private buffered = ''

  constructor(
    readonly name: NodeName,
    readonly child: ChildProcess,
    logPath: string,
  ) {
    // Everything the member says, logs included, kept beside its data for a failing test.
    const log = fs.createWriteStream(logPath, { flags: 'a' })
    child.stdout!.setEncoding('utf8')
    child.stdout!.on('data', (chunk: string) => {
      log.write(chunk)
      this.read(chunk)
    })
    // Not ended by stderr's end: the exit line is written after it; the log ends once every
    // stdio stream of the child has closed ('close' comes after 'exit' and the last output).
    child.stderr!.pipe(log, { end: false })
    child.once('close', () => log.end())
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        log.write(`${JSON.stringify({ exit: code, signal, pid: child.pid })}\n`)
        resolve(code)
      }),
    )
  }

  get pid(): number {
    return this.child.pid!
  }

  /** The first event (already seen or to come, after `from`) that matches. */
  waitFor(match: (event: MemberEvent) => boolean, timeoutMs = 15_000, from = 0) {
    return new Promise<MemberEvent>((resolve, reject) => {
      const check = (): boolean => {
        const found = this.events.slice(from).find(match)
        if (found === undefined) return false
        this.listeners.delete(listener)
        clearTimeout(timer)
        resolve(found)
        return true
      }
      const listener = (): void => void check()
      const timer = setTimeout(() => {
        this.listeners.delete(listener)
        reject(new Error(`${this.name}: no matching event in ${timeoutMs} ms`))
      }, timeoutMs)
      this.listeners.add(listener)
      check()
    })
  }

  command(line: string): void {
    // A member killed a moment ago has no reader: writing would fail the caller with EPIPE.
    if (this.child.stdin!.writable) this.child.stdin!.write(`${line}\n`)
  }

  signal(signal: NodeJS.Signals): void {
    process.kill(this.pid, signal)
  }

  async kill9(): Promise<void> {
    this.signal('SIGKILL')
    await this.exited
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    this.signal('SIGCONT')
    this.signal('SIGTERM')
    const timer = setTimeout(() => this.signal('SIGKILL'), 5_000)
    await this.exited
    clearTimeout(timer)
  }

  private read(chunk: string): void {
    this.buffered += chunk
    const lines = this.buffered.split('\n')
    this.buffered = lines.pop()!
    for (const line of lines) {
      if (!line.startsWith('{"event"')) continue
      this.events.push(JSON.parse(line) as MemberEvent)
    }
    for (const listener of [...this.listeners]) listener()
  }
}

export class MemberGroup {
  readonly members = new Map<NodeName, MemberProcess>()

  constructor(
    readonly root: string,
    readonly port: number,
    private readonly segmentBytes = 4 * 1024 * 1024,
    /** Member config fields beyond the defaults (checkpointIntervalBytes, retainMaxBytes). */
    private readonly tuning: Record<string, number> = {},
  ) {}

  /** Connection-name list of every member's client listener. */
  get connName(): string {
    return NODES.map((node) => `${HOSTS[node]}(${this.port + 1})`).join(',')
  }

  dataDirectory(node: NodeName): string {
    return join(this.root, node)
  }

  start(node: NodeName): MemberProcess {
    const config = {
      queueManager: 'QMR',
      node,
      dataDirectory: this.dataDirectory(node),
      clientPort: this.port + 1,
      segmentBytes: this.segmentBytes,
      ...this.tuning,
      queues: ['APP.Q'],
      members: NODES.map((id) => ({ id, host: HOSTS[id], port: this.port })),
    }
    const path = join(this.root, `${node}.json`)
    fs.writeFileSync(path, JSON.stringify(config))
    const child = spawn(process.execPath, [MEMBER_MAIN, path], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, QMQ_LOG_LEVEL: process.env['QMQ_LOG_LEVEL'] ?? 'info' },
    })
    const member = new MemberProcess(node, child, join(this.root, `${node}.log`))
    this.members.set(node, member)
    return member
  }

  startAll(): void {
    for (const node of NODES) this.start(node)
  }

  member(node: NodeName): MemberProcess {
    return this.members.get(node)!
  }

  /** The member that serves now: the last to say serving true and not since false. */
  async waitForPrimary(timeoutMs = 15_000, except?: NodeName): Promise<NodeName> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      for (const [node, member] of this.members) {
        if (node === except || member.child.exitCode !== null) continue
        const serving = member.events.filter((event) => event.event === 'serving').at(-1)
        if (serving?.['serving'] === true) return node
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    throw new Error(`no member serving within ${timeoutMs} ms`)
  }

  /** Asks `node` for its status (the member answers with a 'status' event). */
  async status(node: NodeName): Promise<MemberEvent> {
    const member = this.member(node)
    const from = member.events.length
    member.command('status')
    return member.waitFor((event) => event.event === 'status', 5_000, from)
  }

  /** Waits until `node` has durably everything `primary` has committed now. */
  async waitCaughtUp(node: NodeName, primary: NodeName, timeoutMs = 15_000): Promise<void> {
    await this.member(node).waitFor((event) => event.event === 'started', timeoutMs)
    const target = (await this.status(primary))['commitLsn'] as number
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const replica = (await this.status(node))['replica'] as { durableLsn: number }
      if (replica.durableLsn >= target) return
      if (Date.now() > deadline) throw new Error(`${node} not caught up to ${target}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.members.values()].map((member) => member.stop()))
  }
}

/**
 * A port base for this run: replication on `port`, clients on `port + 1`, on all three hosts.
 */
export function groupPort(): Promise<number> {
  return freePortBase(2)
}

/**
 * A base port with `count` ports bindable on all three hosts. Chosen below Linux's ephemeral
 * range (32768-60999), because other test files open thousands of outgoing connections whose
 * source ports come from that range, and checked bindable on every host first: a member that
 * cannot bind its port exits, and the group then has no quorum.
 */
export async function freePortBase(count: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + count * Math.floor(Math.random() * Math.floor(12_000 / count))
    const checks = Object.values(HOSTS).flatMap((host) =>
      Array.from({ length: count }, (_, offset) => bindable(host, base + offset)),
    )
    if ((await Promise.all(checks)).every(Boolean)) return base
  }
  throw new Error('no free port range found on all three hosts')
}

function bindable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', () => resolve(false))
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)))
  })
}

/** Connects to whichever member serves, retrying while the group elects. */
export async function connectToGroup(
  connName: string,
  timeoutMs = 15_000,
): Promise<QueueManagerConnection> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await connect({ connName, queueManager: 'QMR', connectTimeoutMs: 1_000 })
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}
