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
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import { join } from 'node:path'
import { LOG_START_LSN } from '../../src/constants.js'
import { packageRoot } from '../../src/runtime/package-root.js'
import {
  freePortBase,
  HOSTS,
  MemberProcess,
  NODES,
  type MemberEvent,
  type NodeName,
} from '../../src/replication-group/member-group.js'
import type { ClusterDriver } from './cluster-driver.js'
import { readCommittedJournal } from './committed-journal.js'
import type { MemberLog, ServingPeriod } from './history.js'
import { ProxyMesh } from './proxy-mesh.js'
import { ServingPeriods } from './serving-periods.js'
import { answered, settle } from './settle.js'

const MEMBER_MAIN = join(packageRoot, 'dist', 'src', 'queue-manager', 'member-main.js')
/** Port offsets from the base: replication, clients, three pair proxies, client proxies. */
const PORTS_USED = 6
const SEGMENT_BYTES = 1024 * 1024

export interface MemberGroupDriverOptions {
  readonly root: string
  /** Test-only bug switches every member enables (src/replication/bugs.ts). */
  readonly bugs?: readonly string[]
  /** Size of member c's tmpfs; 0: no tmpfs (and no disk-full faults). */
  readonly diskBytes?: number
  readonly random: () => number
}

export class MemberGroupDriver implements ClusterDriver {
  readonly nodes: readonly string[] = NODES
  readonly queueManager = 'QMR'
  readonly queue = 'APP.Q'
  readonly diskNode: string | undefined
  private readonly members = new Map<NodeName, MemberProcess>()
  private readonly periods = new ServingPeriods((node) => this.isRunning(node))
  private mesh: ProxyMesh | undefined
  private port = 0
  private mounted: string | undefined
  private stopped = false

  constructor(private readonly options: MemberGroupDriverOptions) {
    this.diskNode = (options.diskBytes ?? 0) > 0 ? 'c' : undefined
  }

  get connName(): string {
    return this.mesh!.connName
  }

  async start(): Promise<void> {
    this.port = await freePortBase(PORTS_USED)
    fs.mkdirSync(this.options.root, { recursive: true })
    if (this.diskNode !== undefined) this.mountDisk()
    const ports = {
      pairBase: this.port + 2,
      replication: this.port,
      clientProxy: this.port + 5,
      clientListener: this.port + 1,
    }
    this.mesh = new ProxyMesh(ports, this.options.random)
    await this.mesh.start()
    await Promise.all(NODES.map((node) => this.launch(node)))
  }

  primary(): string | undefined {
    return this.periods.primary()
  }

  waitForPrimary(timeoutMs: number): Promise<string> {
    return this.periods.waitForPrimary(timeoutMs)
  }

  async kill9(node: string): Promise<void> {
    const member = this.member(node)
    if (!this.isRunning(node)) return
    await member.kill9()
    this.periods.close(node)
  }

  async restart(node: string): Promise<void> {
    if (this.isRunning(node)) return
    this.periods.close(node)
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
    this.mesh!.cut(from, to)
  }

  degrade(faults: { delayMs?: number; loss?: number }): void {
    this.mesh!.degrade(faults)
  }

  healNetwork(): void {
    this.mesh?.heal()
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
    this.healNetwork()
    this.freeDisk()
    for (const node of NODES) this.resume(node)
    return settle(
      {
        nodes: NODES,
        isOpen: async (node) => this.isRunning(node),
        restart: (node) => this.restart(node),
        waitForPrimary: (ms) => this.waitForPrimary(ms),
        commitLsn: async (primary) => (await this.status(primary))['commitLsn'] as number,
        durableLsn: async (node) =>
          ((await this.status(node))['replica'] as { durableLsn: number }).durableLsn,
      },
      timeoutMs,
    )
  }

  servingPeriods(): ServingPeriod[] {
    return this.periods.list()
  }

  async committedLogs(): Promise<{ logs: MemberLog[]; putEpochs: Map<string, number> }> {
    const primary = await this.waitForPrimary(10_000)
    const commitLsn = await answered(async () => {
      const status = await this.status(primary).catch(() => undefined)
      return status?.['commitLsn'] as number | undefined
    }, `primary ${primary}`)
    await this.stopMembers()
    const putEpochs = new Map<string, number>()
    const logs = NODES.map((node) => {
      const directory = join(this.dataDirectory(node), 'journal')
      const epochs = node === primary ? putEpochs : undefined
      const read = readCommittedJournal(directory, SEGMENT_BYTES, LOG_START_LSN, commitLsn, epochs)
      return { node, records: read.records.map((record) => record.print) }
    })
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
      await this.mesh?.close()
    } finally {
      this.unmountDisk()
    }
  }

  private async stopMembers(): Promise<void> {
    await Promise.all([...this.members.values()].map((member) => member.stop()))
    for (const node of NODES) this.periods.close(node)
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
        ...(node < id ? { via: this.mesh!.pairAddress(node, id) } : {}),
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
    this.periods.close(node)
    if (event['serving'] === true) this.periods.serving(node, event['epoch'] as number)
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
