/**
 * The first cluster driver: a 3-member HA group of member-main processes on 127.0.0.1..3, every
 * replication link and every client link through a FaultProxy, and member c's data directory on
 * a small tmpfs mounted by the driver (so the nemesis can fill it). Members dial their peers
 * through the proxies with the test-only "via" option of member-main's config.
 *
 *   a ──(proxy a→b on 127.0.0.1)──▶ b        clients ──(proxy on 127.0.0.x)──▶ member x
 *   a ──(proxy a→c on 127.0.0.1)──▶ c        (forward = dialer to target, backward = replies)
 *   b ──(proxy b→c on 127.0.0.2)──▶ c
 */
import { spawn } from 'node:child_process'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import { LOG_START_LSN } from '../../src/constants.js'
import { recoverLog } from '../../src/actors/journal/recovery.js'
import { RecordType } from '../../src/actors/journal/record-types.js'
import { packageRoot } from '../../src/runtime/package-root.js'
import { MemberProcess, type MemberEvent } from './member-process.js'
import type { ClusterDriver } from './cluster-driver.js'
import { FaultProxy } from './fault-proxy.js'
import type { MemberLog, ServingPeriod } from './history.js'

type NodeName = 'a' | 'b' | 'c'
const NODES: readonly NodeName[] = ['a', 'b', 'c']
const HOSTS: Record<NodeName, string> = { a: '127.0.0.1', b: '127.0.0.2', c: '127.0.0.3' }
const MEMBER_MAIN = join(packageRoot, 'dist', 'src', 'queue-manager', 'member-main.js')
const PAIRS: readonly [NodeName, NodeName][] = [
  ['a', 'b'],
  ['a', 'c'],
  ['b', 'c'],
]
/** Port offsets from the base: replication, clients, three pair proxies, client proxies. */
const PORTS_USED = 6
const SEGMENT_BYTES = 1024 * 1024
const SETTLE_RESTARTS = 3

export interface MemberGroupDriverOptions {
  readonly root: string
  /** Test-only bug switches every member enables (src/replication/bugs.ts). */
  readonly bugs?: readonly string[]
  /** Size of member c's tmpfs; 0: no tmpfs (and no disk-full faults). */
  readonly diskBytes?: number
  readonly random: () => number
}

interface OpenPeriod {
  node: string
  epoch: number
  startMs: number
  endMs: number | undefined
}

export class MemberGroupDriver implements ClusterDriver {
  readonly nodes: readonly string[] = NODES
  readonly queueManager = 'QMR'
  readonly queue = 'APP.Q'
  readonly diskNode: string | undefined
  private readonly members = new Map<NodeName, MemberProcess>()
  private readonly pairProxies = new Map<string, FaultProxy>()
  private readonly clientProxies: FaultProxy[] = []
  private readonly periods: OpenPeriod[] = []
  private port = 0
  private mounted: string | undefined
  private stopped = false

  constructor(private readonly options: MemberGroupDriverOptions) {
    this.diskNode = (options.diskBytes ?? 0) > 0 ? 'c' : undefined
  }

  get connName(): string {
    return NODES.map((node) => `${HOSTS[node]}(${this.port + 5})`).join(',')
  }

  async start(): Promise<void> {
    this.port = await freePortBase()
    fs.mkdirSync(this.options.root, { recursive: true })
    if (this.diskNode !== undefined) this.mountDisk()
    for (const [from, to] of PAIRS) {
      const listen = { host: HOSTS[from], port: this.pairPort(from, to) }
      const proxy = new FaultProxy(
        `${from}->${to}`,
        listen,
        { host: HOSTS[to], port: this.port },
        this.options.random,
      )
      await proxy.start()
      this.pairProxies.set(`${from}${to}`, proxy)
    }
    for (const node of NODES) {
      const listen = { host: HOSTS[node], port: this.port + 5 }
      const target = { host: HOSTS[node], port: this.port + 1 }
      const proxy = new FaultProxy(`clients->${node}`, listen, target, this.options.random)
      await proxy.start()
      this.clientProxies.push(proxy)
    }
    await Promise.all(NODES.map((node) => this.launch(node)))
  }

  primary(): string | undefined {
    const open = this.periods.filter(
      (period) => period.endMs === undefined && this.isRunning(period.node),
    )
    return open.sort((x, y) => y.epoch - x.epoch)[0]?.node
  }

  async waitForPrimary(timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const primary = this.primary()
      if (primary !== undefined) return primary
      if (Date.now() > deadline) throw new Error(`no member serving within ${timeoutMs} ms`)
      await sleep(20)
    }
  }

  async kill9(node: string): Promise<void> {
    const member = this.member(node)
    if (!this.isRunning(node)) return
    await member.kill9()
    this.closePeriods(node)
  }

  async restart(node: string): Promise<void> {
    if (this.isRunning(node)) return
    this.closePeriods(node)
    await this.launch(node as NodeName)
  }

  isRunning(node: string): boolean {
    const child = this.members.get(node as NodeName)?.child
    return child !== undefined && child.exitCode === null && child.signalCode === null
  }

  pause(node: string): void {
    if (this.isRunning(node)) this.member(node).signal('SIGSTOP')
  }

  resume(node: string): void {
    if (this.isRunning(node)) this.member(node).signal('SIGCONT')
  }

  cut(from: string, to: string): void {
    const forward = this.pairProxies.get(`${from}${to}`)
    if (forward !== undefined) forward.set('forward', { blocked: true })
    else this.pairProxies.get(`${to}${from}`)!.set('backward', { blocked: true })
  }

  degrade(faults: { delayMs?: number; loss?: number }): void {
    for (const proxy of this.proxies()) {
      proxy.set('forward', faults)
      proxy.set('backward', faults)
    }
  }

  healNetwork(): void {
    for (const proxy of this.proxies()) proxy.heal()
  }

  fillDisk(): void {
    if (this.mounted === undefined) return
    const filler = join(this.mounted, 'filler')
    const chunk = Buffer.alloc(1024 * 1024)
    const fd = fs.openSync(filler, 'a')
    try {
      for (;;) fs.writeSync(fd, chunk)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
    } finally {
      fs.closeSync(fd)
    }
  }

  freeDisk(): void {
    if (this.mounted !== undefined) fs.rmSync(join(this.mounted, 'filler'), { force: true })
  }

  async settle(timeoutMs: number): Promise<string[]> {
    const deadline = Date.now() + timeoutMs
    this.healNetwork()
    this.freeDisk()
    for (const node of NODES) this.resume(node)
    // A member that keeps failing on restart is left out (and named): the others are checked.
    const restarts = new Map<string, number>()
    const givenUp = new Set<string>()
    for (;;) {
      for (const node of NODES) {
        if (this.isRunning(node) || givenUp.has(node)) continue
        const count = restarts.get(node) ?? 0
        if (count >= SETTLE_RESTARTS) givenUp.add(node)
        else {
          restarts.set(node, count + 1)
          await this.restart(node)
        }
      }
      const behind = await this.behind(givenUp, Math.max(1_000, deadline - Date.now()))
      if (behind.length === 0) return [...givenUp]
      if (Date.now() > deadline) {
        // No primary at all is a failed run; a member that never catches up is left out, named.
        if (behind.some((node) => node.startsWith('('))) throw new Error(behind.join(' '))
        return [...givenUp, ...behind]
      }
      await sleep(200)
    }
  }

  /** Running members that do not yet hold durably all the primary has committed. */
  private async behind(leftOut: Set<string>, timeoutMs: number): Promise<string[]> {
    try {
      const primary = await this.waitForPrimary(Math.min(timeoutMs, 5_000))
      const target = (await this.status(primary))['commitLsn'] as number
      const behind = []
      for (const node of NODES) {
        if (leftOut.has(node)) continue
        const replica = (await this.status(node))['replica'] as { durableLsn: number }
        if (replica.durableLsn < target) behind.push(node)
      }
      return behind
    } catch (error) {
      return [`(${(error as Error).message})`]
    }
  }

  servingPeriods(): ServingPeriod[] {
    const now = Date.now()
    return this.periods.map((period) => ({ ...period, endMs: period.endMs ?? now }))
  }

  async committedLogs(): Promise<{ logs: MemberLog[]; putEpochs: Map<string, number> }> {
    const primary = await this.waitForPrimary(10_000)
    const commitLsn = (await this.status(primary))['commitLsn'] as number
    await this.stopMembers()
    const putEpochs = new Map<string, number>()
    const logs: MemberLog[] = []
    for (const node of NODES) {
      const records: string[] = []
      const directory = join(this.dataDirectory(node), 'journal')
      recoverLog(directory, SEGMENT_BYTES, LOG_START_LSN, (record, header) => {
        if (header.lsn >= commitLsn) return
        records.push(fingerprint(record, header))
        const carriesBody =
          record.type === RecordType.MESSAGE_PUT || record.type === RecordType.MESSAGE_MOVE
        // A MOVE (compaction) carries a message put earlier: its PUT's epoch is the one kept.
        const body = carriesBody ? Buffer.from(record.body).toString('utf8') : undefined
        if (node === primary && body !== undefined && !putEpochs.has(body)) {
          putEpochs.set(body, header.epoch)
        }
      })
      logs.push({ node, records })
    }
    return { logs, putEpochs }
  }

  collect(directory: string): void {
    fs.mkdirSync(directory, { recursive: true })
    for (const node of NODES) {
      for (const name of [`${node}.log`, `${node}.json`]) {
        const path = join(this.options.root, name)
        if (fs.existsSync(path)) fs.copyFileSync(path, join(directory, name))
      }
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    try {
      await this.stopMembers()
      await Promise.all(this.proxies().map((proxy) => proxy.close()))
    } finally {
      this.unmountDisk()
    }
  }

  private async stopMembers(): Promise<void> {
    await Promise.all([...this.members.values()].map((member) => member.stop()))
    for (const node of NODES) this.closePeriods(node)
  }

  private proxies(): FaultProxy[] {
    return [...this.pairProxies.values(), ...this.clientProxies]
  }

  private pairPort(from: NodeName, to: NodeName): number {
    return this.port + 2 + PAIRS.findIndex(([x, y]) => x === from && y === to)
  }

  private dataDirectory(node: string): string {
    return node === this.diskNode ? join(this.mounted!, 'data') : join(this.options.root, node)
  }

  private member(node: string): MemberProcess {
    return this.members.get(node as NodeName)!
  }

  private async launch(node: NodeName): Promise<void> {
    const config = {
      queueManager: this.queueManager,
      node,
      dataDirectory: this.dataDirectory(node),
      clientPort: this.port + 1,
      segmentBytes: SEGMENT_BYTES,
      queues: [this.queue],
      members: NODES.map((id) => ({
        id,
        host: HOSTS[id],
        port: this.port,
        ...(node < id ? { via: { host: HOSTS[node], port: this.pairPort(node, id) } } : {}),
      })),
      ...(this.options.bugs?.length ? { testOnlyBugs: this.options.bugs } : {}),
    }
    const path = join(this.options.root, `${node}.json`)
    fs.writeFileSync(path, JSON.stringify(config, undefined, 2))
    const child = spawn(process.execPath, [MEMBER_MAIN, path], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, QMQ_LOG_LEVEL: process.env['QMQ_LOG_LEVEL'] ?? 'warn' },
    })
    const member = new MemberProcess(node, child, join(this.options.root, `${node}.log`))
    this.members.set(node, member)
    this.watchServing(member)
    await member.waitFor((event) => event.event === 'started' || event.event === 'failed', 30_000)
  }

  /** Serving periods timed as the driver sees the events (watching the member's event list). */
  private watchServing(member: MemberProcess): void {
    let seen = 0
    const timer = setInterval(() => {
      for (; seen < member.events.length; seen++) this.onEvent(member.name, member.events[seen]!)
      if (!this.isRunning(member.name) && seen >= member.events.length) clearInterval(timer)
    }, 5)
    timer.unref()
  }

  private onEvent(node: string, event: MemberEvent): void {
    if (event.event !== 'serving') return
    this.closePeriods(node)
    if (event['serving'] === true) {
      const epoch = event['epoch'] as number
      this.periods.push({ node, epoch, startMs: Date.now(), endMs: undefined })
    }
  }

  private closePeriods(node: string): void {
    for (const period of this.periods) {
      if (period.node === node && period.endMs === undefined) period.endMs = Date.now()
    }
  }

  private async status(node: string): Promise<MemberEvent> {
    const member = this.member(node)
    const from = member.events.length
    member.command('status')
    return member.waitFor((event) => event.event === 'status', 5_000, from)
  }

  private mountDisk(): void {
    const mountPoint = join(this.options.root, 'c-disk')
    fs.mkdirSync(mountPoint, { recursive: true })
    const size = String(this.options.diskBytes)
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mountPoint])
    this.mounted = mountPoint
  }

  private unmountDisk(): void {
    if (this.mounted === undefined) return
    execFileSync('umount', [this.mounted])
    this.mounted = undefined
  }
}

export function fingerprint(
  record: unknown,
  header: { lsn: number; epoch: number; type: number },
): string {
  const text = JSON.stringify(record, (_key, value: unknown) => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('base64')
    return typeof value === 'bigint' ? value.toString() : value
  })
  const digest = createHash('sha1').update(text).digest('hex').slice(0, 16)
  return `${header.lsn}/${header.epoch}/${header.type}/${digest}`
}

/** A base port with `count` ports bindable on all three hosts, below the ephemeral range. */
export async function freePortBase(count = PORTS_USED): Promise<number> {
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
