/**
 * The DR driver: a DR pair of two qmqd daemons on 127.0.0.1 (node a) and 127.0.0.2 (node b)
 * built through the commands as the DR lab builds it (crtmqm -rr p on a, which prints the
 * crtmqm -rr s to run on b, run as printed; strmqm on a), asynchronous by default. The DR link
 * goes through a FaultProxy: a dials b (the lower member id dials), at the address in a's
 * qmgr.json test-only `dr.testOnlyVia` (written here between crtmqm and strmqm, read only by
 * the DR hosting; no command writes it). Clients reach each side's listener through a client
 * proxy on its address, with a connection-name list of both (a secondary has no listener).
 *
 * There is no automatic failover in DR: a killed primary comes back with `qmqd start` and
 * serves again (its role and `started` survive). The forced promotion and the cut during resync
 * are this driver's own faults (dr-operator.ts). Who serves is polled over the control socket
 * (rdqmstatus -m QM --json's data): Primary and Running is serving, in the view's epoch.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { LOG_START_LSN } from '../../src/constants.js'
import { listSegments } from '../../src/actors/journal/segment-files.js'
import type { DrStatusView } from '../../src/dr/dr-status-report.js'
import { freePortBase } from '../../src/replication-group/member-group.js'
import type { ClusterDriver } from './cluster-driver.js'
import { readCommittedJournal } from './committed-journal.js'
import { drView } from './dr-control.js'
import { DrOperator } from './dr-operator.js'
import { FaultProxy } from './fault-proxy.js'
import type { FaultKind, MemberLog, ServingPeriod } from './history.js'
import { QmqdNode } from './qmqd-node.js'
import { ServingPeriods } from './serving-periods.js'
import { settle } from './settle.js'

export const DR_HOSTS = { a: '127.0.0.1', b: '127.0.0.2' } as const
/** Port offsets: DR port, client listener, DR link proxy, client proxies. */
const PORTS_USED = 4
const POLL_MS = 200
const QUEUE_MAX_DEPTH = 1_000_000

export interface QmqdDrDriverOptions {
  readonly root: string
  readonly random: () => number
  /** 'a' asynchronous (default), 's' synchronous. */
  readonly type?: 'a' | 's'
  /** Test only, a known-bad operator: the old primary's divergent records are deleted unsaved. */
  readonly discardDivergent?: boolean
  /** Forced promotions only by cutting the link ('cut') or killing the primary ('kill'). */
  readonly promoteBy?: 'kill' | 'cut'
}

export class QmqdDrDriver implements ClusterDriver {
  readonly nodes: readonly string[] = ['a', 'b']
  readonly queueManager = 'QMDR'
  readonly queue = 'APP.Q'
  readonly diskNode: string | undefined = undefined
  readonly type: 'a' | 's'
  readonly events: string[] = []
  private readonly sides = new Map<string, QmqdNode>()
  private readonly periods = new ServingPeriods((node) => this.isRunning(node))
  private readonly views = new Map<string, DrStatusView | undefined>()
  private readonly restarting = new Set<string>()
  private link: FaultProxy | undefined
  private readonly clients = new Map<string, FaultProxy>()
  private port = 0
  private poller: NodeJS.Timeout | undefined
  private stopped = false
  readonly operator: DrOperator

  constructor(private readonly options: QmqdDrDriverOptions) {
    this.type = options.type ?? 'a'
    for (const [node, host] of Object.entries(DR_HOSTS)) {
      this.sides.set(node, new QmqdNode(node, host, join(options.root, node)))
    }
    this.operator = new DrOperator(this, {
      discardDivergent: options.discardDivergent === true,
      promoteBy: options.promoteBy,
    })
  }

  get connName(): string {
    return Object.values(DR_HOSTS)
      .map((host) => `${host}(${this.port + 3})`)
      .join(',')
  }

  async start(): Promise<void> {
    this.port = await freePortBase(PORTS_USED)
    const [drPort, listener] = [this.port, this.port + 1]
    const words = ['-rr', 'p', '-rt', this.type, '-rl', DR_HOSTS.a, '-ri', DR_HOSTS.b, '-rn']
    const created = await this.side('a').must('crtmqm', [
      ...words,
      'b',
      '-rp',
      `${drPort}`,
      '-p',
      `${listener}`,
      this.queueManager,
    ])
    const printed = created.split('\n').find((line) => line.startsWith('crtmqm -rr s'))
    if (printed === undefined) throw new Error(`crtmqm -rr p printed no command: ${created}`)
    await this.side('b').must('crtmqm', printed.trim().split(/\s+/).slice(1))
    const random = this.options.random
    const via = { host: DR_HOSTS.a, port: this.port + 2 }
    this.link = new FaultProxy('dr a->b', via, { host: DR_HOSTS.b, port: drPort }, random)
    await this.link.start()
    for (const [node, host] of Object.entries(DR_HOSTS)) {
      const listen = { host, port: this.port + 3 }
      const proxy = new FaultProxy(`clients->${node}`, listen, { host, port: listener }, random)
      await proxy.start()
      this.clients.set(node, proxy)
    }
    // The hosting reads qmgr.json when the daemon first hosts the queue manager (crtmqm did):
    // a's daemon starts again to read the via.
    this.writeVia('a', via)
    await this.side('a').must('qmqd', ['stop'])
    await this.side('a').must('qmqd', ['start'])
    this.poller = setInterval(() => void this.poll(), POLL_MS)
    await this.side('a').must('strmqm', [this.queueManager])
    const primary = await this.waitForPrimary(60_000)
    const define = `DEFINE QLOCAL(${this.queue}) DEFPSIST(YES) MAXDEPTH(${QUEUE_MAX_DEPTH})\n`
    await this.side(primary).must('runmqsc', [this.queueManager], define)
  }

  primary(): string | undefined {
    return this.periods.primary()
  }

  waitForPrimary(timeoutMs: number): Promise<string> {
    return this.periods.waitForPrimary(timeoutMs)
  }

  /** The other side of the pair. */
  other(node: string): string {
    return node === 'a' ? 'b' : 'a'
  }

  async kill9(node: string): Promise<void> {
    if (!this.isRunning(node)) return
    await this.side(node).kill9()
    this.periods.close(node)
  }

  /** A stopped daemon starts again (its side resumes in its role); a failed primary, strmqm. */
  async restart(node: string): Promise<void> {
    if (this.isRunning(node)) {
      const view = await this.view(node)
      if (view?.role === 'Primary' && view.queueManagerStatus === 'Ended unexpectedly') {
        await this.side(node).run('strmqm', [this.queueManager])
      }
      return
    }
    this.periods.close(node)
    await this.side(node).start()
  }

  isRunning(node: string): boolean {
    return this.side(node).isRunning()
  }

  pause(node: string): void {
    this.side(node).pause()
  }

  resume(node: string): void {
    this.side(node).resume()
  }

  /** The DR link: a dials b, so a's bytes go forward and b's backward. */
  cut(from: string, to: string): void {
    if (from === to) return
    this.link!.set(from === 'a' ? 'forward' : 'backward', { blocked: true })
  }

  /** Latency or loss on the DR link (the link the brief degrades; client links stay clean). */
  degrade(faults: { delayMs?: number; loss?: number }): void {
    this.link!.set('forward', faults)
    this.link!.set('backward', faults)
  }

  healNetwork(): void {
    this.link?.heal()
  }

  /** Drops the DR link's connections and what they held (a dead sender's bytes never land). */
  resetLink(): void {
    this.link?.resetAll()
  }

  /** Clients cannot reach `node` (the old primary of a synchronous forced promotion). */
  blockClients(node: string, blocked: boolean): void {
    const proxy = this.clients.get(node)!
    if (blocked) {
      proxy.set('forward', { blocked: true })
      proxy.set('backward', { blocked: true })
    } else proxy.heal()
  }

  fillDisk(): void {}

  freeDisk(): void {}

  /** The driver's own faults: forced promotion, a cut during resync. */
  injectOwn(kind: FaultKind, holdMs: number, choice: number): Promise<string> | undefined {
    if (kind === 'forced-promotion') return this.operator.forcedPromotion(holdMs, choice)
    if (kind === 'dr-resync-cut') return this.operator.resyncCut(holdMs)
    return undefined
  }

  async settle(timeoutMs: number): Promise<string[]> {
    this.healNetwork()
    for (const node of this.nodes) this.resume(node)
    return settle(
      {
        nodes: this.nodes,
        isOpen: async (node) => {
          if (!this.isRunning(node)) return false
          const view = await this.view(node)
          return !(view?.role === 'Primary' && view.queueManagerStatus === 'Ended unexpectedly')
        },
        restart: (node) => this.restart(node),
        waitForPrimary: (ms) => this.waitForPrimary(ms),
        commitLsn: async (primary) => (await this.view(primary))?.logEndLsn,
        durableLsn: async (node) => (await this.view(node))?.logEndLsn ?? -1,
      },
      timeoutMs,
    )
  }

  servingPeriods(): ServingPeriod[] {
    return this.periods.list()
  }

  /** Both journals whole (the daemons are stopped first), compared from the later start. */
  async committedLogs(): Promise<{
    logs: MemberLog[]
    putEpochs: Map<string, number>
    complete: boolean
  }> {
    const primary = await this.waitForPrimary(10_000)
    await this.stopDaemons()
    const putEpochs = new Map<string, number>()
    const read = this.nodes.map((node) => this.readJournal(node, node === primary, putEpochs))
    const from = Math.max(...read.map((journal) => journal.fromLsn))
    const logs = read.map(({ node, records }) => ({
      node,
      records: records.filter((record) => record.lsn >= from).map((record) => record.print),
    }))
    return { logs, putEpochs, complete: from === LOG_START_LSN }
  }

  /** Bodies of every message saved aside by a resolution, on either side (rdqmdr -l's data). */
  savedAside(): ReadonlySet<string> {
    return this.operator.saved
  }

  collect(directory: string): void {
    for (const node of this.nodes) {
      const home = this.side(node).home
      const into = join(directory, node)
      fs.mkdirSync(into, { recursive: true })
      for (const file of ['qmgr.json', 'dr.json']) {
        const path = join(home, 'qmgrs', this.queueManager, file)
        if (fs.existsSync(path)) fs.copyFileSync(path, join(into, file))
      }
      const logs = join(home, 'logs')
      if (fs.existsSync(logs)) fs.cpSync(logs, join(into, 'logs'), { recursive: true })
      const current = join(logs, 'current.log')
      if (fs.existsSync(current)) fs.copyFileSync(current, join(directory, `${node}.log`))
    }
    fs.writeFileSync(join(directory, 'driver-events.log'), this.events.join('\n') + '\n')
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    try {
      await this.stopDaemons()
    } finally {
      await Promise.all([this.link, ...this.clients.values()].map((proxy) => proxy?.close()))
    }
  }

  side(node: string): QmqdNode {
    return this.sides.get(node)!
  }

  /** A fresh status of `node` (undefined: not answering), remembered for the poller. */
  async view(node: string): Promise<DrStatusView | undefined> {
    const view = this.isRunning(node)
      ? await drView(this.side(node).home, this.queueManager)
      : undefined
    this.views.set(node, view)
    return view
  }

  note(line: string): void {
    this.events.push(`${new Date().toISOString()} ${line}`)
  }

  private async stopDaemons(): Promise<void> {
    clearInterval(this.poller)
    this.poller = undefined
    for (const node of this.nodes) this.resume(node)
    await Promise.all(this.nodes.map((node) => this.side(node).stop()))
    for (const node of this.nodes) this.periods.close(node)
  }

  private readJournal(
    node: string,
    primary: boolean,
    putEpochs: Map<string, number>,
  ): { node: string; fromLsn: number; records: { lsn: number; print: string }[] } {
    const root = join(this.side(node).home, 'qmgrs', this.queueManager)
    const config = JSON.parse(fs.readFileSync(join(root, 'qmgr.json'), 'utf8')) as QmgrJson
    const directory = join(root, 'data', 'journal')
    const segmentBytes = config.dr.segmentBytes
    const first = listSegments(directory).segments[0] ?? 0
    const fromLsn = Math.max(LOG_START_LSN, first * segmentBytes)
    const epochs = primary ? putEpochs : undefined
    // Stopped after settling: both journals end where the pair's log ends.
    const end = Number.MAX_SAFE_INTEGER
    const { records } = readCommittedJournal(directory, segmentBytes, fromLsn, end, epochs)
    return { node, fromLsn, records }
  }

  private writeVia(node: string, via: { host: string; port: number }): void {
    const path = join(this.side(node).home, 'qmgrs', this.queueManager, 'qmgr.json')
    const config = JSON.parse(fs.readFileSync(path, 'utf8')) as QmgrJson
    const written = { ...config, dr: { ...config.dr, testOnlyVia: via } }
    fs.writeFileSync(path, `${JSON.stringify(written, undefined, 2)}\n`)
  }

  /** Serving periods as the polls see them (a paused side's period stays open: it may serve). */
  private async poll(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (node) => {
        if (this.side(node).isPaused || !this.isRunning(node)) return
        const view = await this.view(node)
        if (view === undefined || this.stopped) return
        const serving = view.role === 'Primary' && view.queueManagerStatus === 'Running'
        if (serving && view.epoch !== undefined) this.periods.serving(node, view.epoch)
        else this.periods.close(node)
        if (view.role === 'Primary' && view.queueManagerStatus === 'Ended unexpectedly') {
          this.restartFailed(node)
        }
      }),
    )
  }

  /** A primary whose member failed is started again, as an operator (or a script) would. */
  private restartFailed(node: string): void {
    if (this.restarting.has(node) || this.operator.busy) return
    this.restarting.add(node)
    this.note(`${node}: DR primary ended unexpectedly; strmqm`)
    void this.side(node)
      .run('strmqm', [this.queueManager])
      .then((result) => this.note(`${node}: strmqm exited ${result.code}`))
      .catch((error: unknown) => this.note(`${node}: strmqm failed: ${String(error)}`))
      .finally(() => this.restarting.delete(node))
  }
}

interface QmgrJson {
  readonly dr: { readonly segmentBytes: number }
}
