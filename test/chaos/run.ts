/**
 * One chaos run: start the cluster, run the workload while the nemesis injects the planned
 * faults, heal, drain the queue, read the members' committed logs, check, and write the run's
 * directory: report.json, report.html, histories.jsonl, faults.json, node logs. Everything
 * started is torn down in a finally block (processes by pid, proxies, the tmpfs mount).
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { connect } from '../../src/client/index.js'
import { isMQError, Reason } from '../../src/errors.js'
import { check } from './checker.js'
import type { ClusterDriver } from './cluster-driver.js'
import {
  DR_FAULT_KINDS,
  FAULT_KINDS,
  type Fault,
  type FaultKind,
  type Operation,
} from './history.js'
import { MemberGroupDriver } from './member-group-driver.js'
import { planFaults, runNemesis, type NemesisTiming } from './nemesis.js'
import { QmqdDrDriver } from './qmqd-dr-driver.js'
import { QmqdGroupDriver } from './qmqd-group-driver.js'
import { seededRandom } from './random.js'
import { summarize, writeReport, type RunReport } from './report.js'
import { Workload } from './workload.js'

export type DriverName = 'qmqd' | 'member'
export const DRIVERS: readonly DriverName[] = ['qmqd', 'member']
/** qmqd daemons built through the commands: the product. */
export const DEFAULT_DRIVER: DriverName = 'qmqd'

export interface ChaosOptions {
  readonly faults: number
  /** Who hosts the group: qmqd daemons (default) or bare member-main processes. */
  readonly driver?: DriverName
  /** The checker's pre-exactly-once allowance for re-driven gets (checker.ts). */
  readonly allowRedrivenGets?: boolean
  readonly seed: number
  readonly out: string
  readonly clients?: number
  /** Test-only bug switches for every member (src/replication/bugs.ts): a known-bad run. */
  readonly bugs?: readonly string[]
  readonly kinds?: readonly FaultKind[]
  readonly timing?: NemesisTiming
  /** Workload alone before the first fault and after the last. */
  readonly quietMs?: number
  readonly log?: (line: string) => void
  /** 'ha' (default): a 3-node HA group; 'dr': a DR pair (qmqd-dr-driver.ts). */
  readonly target?: 'ha' | 'dr'
  /** DR: 'a' asynchronous (default) or 's' synchronous. */
  readonly drType?: 'a' | 's'
  /** DR, test only: the known-bad operator who discards the divergent records unsaved. */
  readonly discardDivergent?: boolean
  /** DR: forced promotions only by a kill or only by a cut (default: both, seeded). */
  readonly promoteBy?: 'kill' | 'cut'
}

const DISK_BYTES = 256 * 1024 * 1024
const DRAINERS = 8

export async function runChaos(options: ChaosOptions): Promise<RunReport> {
  const log = options.log ?? ((line: string) => console.log(line))
  const root = join(options.out, 'cluster')
  fs.rmSync(options.out, { recursive: true, force: true })
  const target = options.target ?? 'ha'
  const driverName =
    target === 'dr' ? `dr-${options.drType ?? 'a'}` : (options.driver ?? DEFAULT_DRIVER)
  const driver = makeDriver(driverName, root, options)
  const startedMs = Date.now()
  const notes: string[] = [`driver ${driverName}`]
  const faults: Fault[] = []
  let workload: Workload | undefined
  let final: string[] = []
  // Ctrl-C must not leave members running or the tmpfs mounted: tear down, then exit.
  const interrupted = (): void => {
    void driver.stop().finally(() => process.exit(130))
  }
  process.once('SIGINT', interrupted)
  try {
    await driver.start()
    await driver.waitForPrimary(30_000)
    log(`${driverName} cluster up (seed ${options.seed}); primary ${driver.primary()}`)
    workload = new Workload({
      connName: driver.connName,
      queueManager: driver.queueManager,
      queue: driver.queue,
      clients: options.clients ?? 4,
      seed: options.seed,
      callTimeoutMs: 10_000,
    })
    await exercise(driver, workload, faults, notes, options, log)
    final = await drain(driver)
    // Saved now: a failure reading the journals must not lose what the drain took.
    writeHistories(options.out, workload.operations, faults, final)
    const { logs, putEpochs, complete } = await driver.committedLogs()
    const operations = workload.operations.map((op) => tagEpoch(op, putEpochs))
    const verdict = check({
      operations,
      final,
      faults,
      serving: driver.servingPeriods(),
      logs,
      loggedPuts: complete === false ? undefined : new Set(putEpochs.keys()),
      // The last fault's window ends with the workload, not with the drain after it.
      endMs: operations.reduce((last, op) => Math.max(last, op.completeMs), 0),
      allowRedrivenGets: options.allowRedrivenGets,
      ...(target === 'dr'
        ? { dr: { type: options.drType ?? 'a', saved: driver.savedAside?.() ?? new Set() } }
        : {}),
    })
    if (verdict.givenUp !== undefined) {
      notes.push(
        `forced promotions gave up ${verdict.givenUp.savedPuts} acknowledged put(s), all saved ` +
          `aside, and ${verdict.givenUp.gets} acknowledged get(s) of the deposed side`,
      )
    }
    notes.push(
      `final queue depth ${final.length}; committed log ${logs[0]?.records.length} records` +
        (complete === false ? ' (compared from the oldest segment all members kept)' : ''),
    )
    const run = { seed: options.seed, target, durationMs: Date.now() - startedMs, notes }
    const report = summarize(run, operations, faults, verdict)
    writeReport(options.out, report, operations, faults)
    writeHistories(options.out, operations, faults, final)
    fs.writeFileSync(join(options.out, 'serving.json'), JSON.stringify(driver.servingPeriods()))
    return report
  } catch (error) {
    notes.push(`run failed: ${(error as Error).stack ?? String(error)}`)
    const operations = workload?.operations ?? []
    writeHistories(options.out, operations, faults, final)
    fs.writeFileSync(join(options.out, 'verdict.txt'), notes.join('\n'))
    throw error
  } finally {
    process.off('SIGINT', interrupted)
    driver.collect(join(options.out, 'nodes'))
    await driver.stop()
    // Keep the members' data only when something went wrong.
    const failed = !fs.existsSync(join(options.out, 'report.json')) || hasAnomalies(options.out)
    if (!failed) fs.rmSync(root, { recursive: true, force: true })
  }
}

function makeDriver(name: string, root: string, options: ChaosOptions): ClusterDriver {
  const random = seededRandom(options.seed + 1)
  if (options.target === 'dr') {
    return new QmqdDrDriver({
      root,
      random,
      type: options.drType,
      discardDivergent: options.discardDivergent,
      promoteBy: options.promoteBy,
    })
  }
  if (name === 'qmqd') {
    // The daemons have no test-only bug switches: a known-bad run needs member-main processes.
    if ((options.bugs?.length ?? 0) > 0) throw new Error('test-only bugs need --driver member')
    return new QmqdGroupDriver({ root, random })
  }
  return new MemberGroupDriver({
    root,
    bugs: options.bugs,
    // Mounting the tmpfs needs root; without it the run simply has no disk-full faults.
    diskBytes: process.getuid?.() === 0 ? DISK_BYTES : 0,
    random,
  })
}

async function exercise(
  driver: ClusterDriver,
  workload: Workload,
  faults: Fault[],
  notes: string[],
  options: ChaosOptions,
  log: (line: string) => void,
): Promise<void> {
  const stopWorkload = new AbortController()
  const working = workload.run(stopWorkload.signal)
  try {
    const quietMs = options.quietMs ?? 1_000
    await sleep(quietMs)
    const defaults = options.target === 'dr' ? DR_FAULT_KINDS : FAULT_KINDS
    const kinds = (options.kinds ?? defaults).filter(
      (kind) => kind !== 'disk-full' || driver.diskNode !== undefined,
    )
    const plan = planFaults(options.seed, options.faults, kinds, options.timing)
    const every = Math.max(1, Math.floor(options.faults / 20))
    await runNemesis(
      driver,
      plan,
      faults,
      new AbortController().signal,
      (fault, index) => {
        if ((index + 1) % every === 0 || index + 1 === plan.length) {
          const acked = workload.operations.filter((op) => op.outcome === 'ok').length
          log(`fault ${index + 1}/${plan.length} (${fault.kind}: ${fault.detail}); ${acked} acked`)
        }
      },
      (node, after) => notes.push(`${node} exited by itself after ${after.kind} (${after.detail})`),
    )
    await driver.settle(30_000)
    await sleep(quietMs)
  } finally {
    stopWorkload.abort()
    await working
  }
  const leftOut = await driver.settle(30_000)
  for (const node of leftOut) notes.push(`${node} failed or never caught up: left out at the end`)
}

/**
 * Every message left on the queue, taken after healing by DRAINERS connections at once (a drain
 * is a destructive get per message, each waiting for a quorum: in parallel they share commits).
 */
async function drain(driver: ClusterDriver): Promise<string[]> {
  const bodies: string[] = []
  await Promise.all(Array.from({ length: DRAINERS }, () => drainOne(driver, bodies)))
  return bodies
}

async function drainOne(driver: ClusterDriver, bodies: string[]): Promise<void> {
  let deadline = Date.now() + 30_000
  for (;;) {
    try {
      const connection = await connect({
        connName: driver.connName,
        queueManager: driver.queueManager,
        connectTimeoutMs: 2_000,
      })
      try {
        const queue = await connection.open(driver.queue, { input: true })
        for (;;) {
          try {
            bodies.push(new TextDecoder().decode((await queue.get({ waitMs: 0 })).body))
            deadline = Date.now() + 30_000
          } catch (error) {
            if (isMQError(error) && error.reason === Reason.NO_MSG_AVAILABLE) return
            throw error
          }
        }
      } finally {
        await connection.close().catch(() => undefined)
      }
    } catch (error) {
      // A drain cut short starts again; what it took is already in `bodies`.
      if (Date.now() > deadline) throw error
      await sleep(200)
    }
  }
}

function tagEpoch(op: Operation, putEpochs: Map<string, number>): Operation {
  if (op.outcome !== 'ok' || op.put === undefined) return op
  const epoch = putEpochs.get(op.put[0]!)
  return epoch === undefined ? op : { ...op, epoch }
}

function writeHistories(
  directory: string,
  operations: readonly Operation[],
  faults: readonly Fault[],
  final: readonly string[],
): void {
  fs.mkdirSync(directory, { recursive: true })
  const lines = operations.map((op) => JSON.stringify(op)).join('\n')
  fs.writeFileSync(join(directory, 'histories.jsonl'), `${lines}\n`)
  fs.writeFileSync(join(directory, 'faults.json'), `${JSON.stringify(faults, undefined, 1)}\n`)
  fs.writeFileSync(join(directory, 'final-queue.json'), `${JSON.stringify(final)}\n`)
}

function hasAnomalies(directory: string): boolean {
  const report = JSON.parse(fs.readFileSync(join(directory, 'report.json'), 'utf8')) as RunReport
  return report.anomalies.length > 0
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
