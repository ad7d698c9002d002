/**
 * The product driver: a 3-node HA group of qmqd daemons on 127.0.0.1..3 built through the
 * commands as an administrator builds it (rdqm.ini, QMQ_NODE, rdqmadm -c, crtmqm -sx, strmqm,
 * runmqsc), every replication link and client link through a FaultProxy. The queue manager's
 * replication links dial the proxies through qmgr.json's test-only `ha.testOnlyVia` (written
 * here between crtmqm and strmqm; no command writes it). kill -9, SIGSTOP and SIGCONT go to the
 * daemon's pid from its pid file; a killed node comes back with `qmqd start`, which reopens its
 * member (HA control stays enabled); a member that failed inside a running daemon ('Ended
 * unexpectedly', HA control enabled) is started again with strmqm as soon as a poll sees it, as
 * RDQM's Pacemaker restarts a failed resource (the daemon does not yet: section 13), and each
 * such restart is written to driver-events.log. Who serves is polled over the node channel.
 * The proxies are proxy-mesh.ts's.
 *
 * No fillable disk yet (diskNode undefined: the runner leaves disk-full out).
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { LOG_START_LSN } from '../../src/constants.js'
import { listSegments } from '../../src/actors/journal/segment-files.js'
import { parseRdqmIni, type HaGroupDefinition } from '../../src/ha/rdqm-ini.js'
import {
  freePortBase,
  HOSTS,
  NODES,
  type NodeName,
} from '../../src/replication-group/member-group.js'
import type { ClusterDriver } from './cluster-driver.js'
import { readCommittedJournal } from './committed-journal.js'
import type { MemberLog, ServingPeriod } from './history.js'
import { ProxyMesh } from './proxy-mesh.js'
import { QmqdNode, type NodeSnapshot } from './qmqd-node.js'
import { ServingPeriods } from './serving-periods.js'
import { answered, settle } from './settle.js'

/** Port offsets: node channel, replication, listener, three pair proxies, client proxies. */
const PORTS_USED = 7
/** crtmqm -lf: the smallest log file crtmqm takes (2049 pages of 4 KiB, 8 MiB segments). */
const LOG_FILE_PAGES = 2049
const POLL_MS = 150
const QUEUE_MAX_DEPTH = 1_000_000

export interface QmqdGroupDriverOptions {
  readonly root: string
  readonly random: () => number
}

export class QmqdGroupDriver implements ClusterDriver {
  readonly nodes: readonly string[] = NODES
  readonly queueManager = 'QMC'
  readonly queue = 'APP.Q'
  readonly diskNode: string | undefined = undefined
  private readonly members = new Map<string, QmqdNode>()
  private readonly periods = new ServingPeriods((node) => this.isRunning(node))
  private mesh: ProxyMesh | undefined
  private readonly snapshots = new Map<string, NodeSnapshot | undefined>()
  private readonly restarting = new Set<string>()
  private readonly events: string[] = []
  private group: HaGroupDefinition | undefined
  private port = 0
  private replicationPort = 0
  private poller: NodeJS.Timeout | undefined
  private stopped = false

  constructor(private readonly options: QmqdGroupDriverOptions) {
    for (const node of NODES) {
      this.members.set(node, new QmqdNode(node, HOSTS[node], join(options.root, node)))
    }
  }

  get connName(): string {
    return this.mesh!.connName
  }

  async start(): Promise<void> {
    this.port = await freePortBase(PORTS_USED)
    const ini = rdqmIni(this.port)
    this.group = parseRdqmIni(ini)
    for (const node of NODES) fs.writeFileSync(join(this.member(node).home, 'rdqm.ini'), ini)
    for (const node of NODES) await this.member(node).must('rdqmadm', ['-c'])
    const words = ['-sx', '-p', `${this.port + 2}`, '-lf', `${LOG_FILE_PAGES}`, this.queueManager]
    const created = await this.member('a').must('crtmqm', words)
    this.replicationPort = Number(/Replication port (\d+) assigned/.exec(created)?.[1])
    if (!Number.isInteger(this.replicationPort)) throw new Error(`crtmqm said: ${created}`)
    const ports = {
      pairBase: this.port + 3,
      replication: this.replicationPort,
      clientProxy: this.port + 6,
      clientListener: this.port + 2,
    }
    this.mesh = new ProxyMesh(ports, this.options.random)
    for (const node of NODES) this.writeVia(node)
    await this.mesh.start()
    this.poller = setInterval(() => void this.poll(), POLL_MS)
    await this.member('a').must('strmqm', [this.queueManager])
    const primary = await this.waitForPrimary(60_000)
    const define = `DEFINE QLOCAL(${this.queue}) MAXDEPTH(${QUEUE_MAX_DEPTH})\n`
    await this.member(primary).must('runmqsc', [this.queueManager], define)
  }

  primary(): string | undefined {
    return this.periods.primary()
  }

  waitForPrimary(timeoutMs: number): Promise<string> {
    return this.periods.waitForPrimary(timeoutMs)
  }

  async kill9(node: string): Promise<void> {
    if (!this.isRunning(node)) return
    await this.member(node).kill9()
    this.periods.close(node)
  }

  /** A stopped daemon is started (it reopens its member); a failed member is started again. */
  async restart(node: string): Promise<void> {
    if (this.isRunning(node)) {
      const snapshot = await this.fresh(node)
      if (snapshot === undefined || snapshot.member !== undefined) return
      if (snapshot.status === 'Starting') return
      await this.member(node).run('strmqm', [this.queueManager])
      return
    }
    this.periods.close(node)
    await this.member(node).start()
  }

  isRunning(node: string): boolean {
    return this.member(node).isRunning()
  }

  pause(node: string): void {
    this.member(node).pause()
  }

  resume(node: string): void {
    this.member(node).resume()
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

  fillDisk(): void {}

  freeDisk(): void {}

  async settle(timeoutMs: number): Promise<string[]> {
    this.healNetwork()
    for (const node of NODES) this.resume(node)
    return settle(
      {
        nodes: NODES,
        isOpen: (node) => this.memberOpen(node),
        restart: (node) => this.restart(node),
        waitForPrimary: (ms) => this.waitForPrimary(ms),
        commitLsn: async (primary) => (await this.fresh(primary))?.member?.commitLsn,
        durableLsn: async (node) => (await this.fresh(node))?.member?.replica.durableLsn ?? -1,
      },
      timeoutMs,
    )
  }

  servingPeriods(): ServingPeriod[] {
    return this.periods.list()
  }

  /**
   * Compaction retires old segments, so each journal is read from its oldest live segment and
   * the logs are compared from the latest of those starts; `complete` says whether any retired.
   */
  async committedLogs(): Promise<{
    logs: MemberLog[]
    putEpochs: Map<string, number>
    complete: boolean
  }> {
    const primary = await this.waitForPrimary(10_000)
    const commitLsn = await answered(
      async () => (await this.fresh(primary))?.member?.commitLsn,
      `primary ${primary}`,
    )
    await this.stopDaemons()
    const putEpochs = new Map<string, number>()
    const read = NODES.map((node) => this.readJournal(node, commitLsn, primary, putEpochs))
    const from = Math.max(...read.map((journal) => journal.fromLsn))
    const logs = read.map(({ node, records }) => ({
      node,
      records: records.filter((record) => record.lsn >= from).map((record) => record.print),
    }))
    return { logs, putEpochs, complete: from === LOG_START_LSN }
  }

  private readJournal(
    node: string,
    commitLsn: number,
    primary: string,
    putEpochs: Map<string, number>,
  ): { node: string; fromLsn: number; records: { lsn: number; print: string }[] } {
    const root = join(this.member(node).home, 'qmgrs', this.queueManager)
    const config = JSON.parse(fs.readFileSync(join(root, 'qmgr.json'), 'utf8')) as QmgrJson
    const directory = join(root, 'data', 'journal')
    const first = listSegments(directory).segments[0] ?? 0
    const fromLsn = Math.max(LOG_START_LSN, first * config.ha.segmentBytes)
    const epochs = node === primary ? putEpochs : undefined
    const segmentBytes = config.ha.segmentBytes
    const { records } = readCommittedJournal(directory, segmentBytes, fromLsn, commitLsn, epochs)
    return { node, fromLsn, records }
  }

  collect(directory: string): void {
    for (const node of NODES) {
      const home = this.member(node).home
      const into = join(directory, node)
      fs.mkdirSync(into, { recursive: true })
      const files = [
        ['rdqm.ini', 'rdqm.ini'],
        [join('qmgrs', this.queueManager, 'qmgr.json'), 'qmgr.json'],
      ]
      for (const [from, to] of files) {
        const path = join(home, from!)
        if (fs.existsSync(path)) fs.copyFileSync(path, join(into, to!))
      }
      const logs = join(home, 'logs')
      if (fs.existsSync(logs)) fs.cpSync(logs, join(into, 'logs'), { recursive: true })
    }
    fs.writeFileSync(join(directory, 'driver-events.log'), this.events.join('\n') + '\n')
    // A flat a.log too, where the member driver leaves its node logs (the known-bad test's).
    for (const node of NODES) {
      const current = join(this.member(node).home, 'logs', 'current.log')
      if (fs.existsSync(current)) fs.copyFileSync(current, join(directory, `${node}.log`))
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    try {
      await this.stopDaemons()
    } finally {
      await this.mesh?.close()
    }
  }

  private async stopDaemons(): Promise<void> {
    clearInterval(this.poller)
    this.poller = undefined
    for (const node of NODES) this.resume(node)
    await Promise.all(NODES.map((node) => this.member(node).stop()))
    for (const node of NODES) this.periods.close(node)
  }

  /** qmgr.json's test-only via: this node dials each higher-named peer through its proxy. */
  private writeVia(node: NodeName): void {
    const path = join(this.member(node).home, 'qmgrs', this.queueManager, 'qmgr.json')
    const config = JSON.parse(fs.readFileSync(path, 'utf8')) as QmgrJson
    const testOnlyVia: Record<string, { host: string; port: number }> = {}
    for (const peer of NODES) {
      if (node < peer) testOnlyVia[peer] = this.mesh!.pairAddress(node, peer)
    }
    const written = { ...config, ha: { ...config.ha, testOnlyVia } }
    fs.writeFileSync(path, `${JSON.stringify(written, undefined, 2)}\n`)
  }

  /** Serving periods as the polls see them (a paused node's period stays open: it may serve). */
  private async poll(): Promise<void> {
    await Promise.all(
      NODES.map(async (node) => {
        if (this.member(node).isPaused || !this.isRunning(node)) return
        const snapshot = await this.fresh(node)
        if (snapshot === undefined || this.stopped) return
        // An isolated member also shows Ended unexpectedly (no quorum) but is still open: only
        // a member that is gone is started again.
        const failed = snapshot.status === 'Ended unexpectedly' && snapshot.member === undefined
        if (failed && snapshot.control === 'enabled') {
          this.restartFailed(node)
        }
        const member = snapshot.member
        if (member?.serving === true) this.periods.serving(node, member.epoch)
        else this.periods.close(node)
      }),
    )
  }

  private restartFailed(node: string): void {
    if (this.restarting.has(node)) return
    this.restarting.add(node)
    this.events.push(`${new Date().toISOString()} ${node}: member ended unexpectedly; strmqm`)
    void this.member(node)
      .run('strmqm', [this.queueManager])
      .then((result) => this.events.push(`${node}: strmqm exited ${result.code}`))
      .catch((error: unknown) => this.events.push(`${node}: strmqm failed: ${String(error)}`))
      .finally(() => this.restarting.delete(node))
  }

  private async fresh(node: string): Promise<NodeSnapshot | undefined> {
    const snapshot = await this.member(node).snapshot(this.group!, this.port, this.queueManager)
    this.snapshots.set(node, snapshot)
    return snapshot
  }

  private async memberOpen(node: string): Promise<boolean> {
    if (!this.isRunning(node)) return false
    const snapshot = await this.fresh(node)
    return snapshot === undefined || snapshot.member !== undefined || snapshot.status === 'Starting'
  }

  private member(node: string): QmqdNode {
    return this.members.get(node)!
  }
}

interface QmgrJson {
  readonly ha: { readonly segmentBytes: number; readonly replicationPort: number }
}

function rdqmIni(port: number): string {
  const nodes = NODES.map((node) => `Node:\n  Name=${node}\n  HA_Replication=${HOSTS[node]}\n`)
  return `${nodes.join('')}QuorumMQ:\n  NodePort=${port}\n  ReplicationFirstPort=${port + 1}\n`
}
