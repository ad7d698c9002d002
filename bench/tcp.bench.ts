/**
 * Over-TCP benchmark: a queue manager server in its own process on loopback, clients here,
 * 1 KiB messages. Measured in the same run, as the references every figure is read against:
 * raw write+fdatasync on the same disk, and a raw loopback echo (a plain Node TCP server in its
 * own process, one 1 KiB request at a time).
 *
 *   npm run build && node dist/bench/tcp.bench.js [--messages N] [--only TEXT]... [--runs R]
 *
 * Scenarios: sequential persistent put and get latency; pipelined persistent put and get from
 * 1, 4 and 8 connections; non-persistent put, get and put+get pairs. Beside each figure: CPU per
 * message of this (client) process and of the server (its main thread and busiest other thread,
 * the journal worker), the server's socket reads and writes per message, frames per read, journal
 * records per batch, and the server's event-loop utilisation. `--only` keeps the scenarios whose
 * name contains the text (a GET scenario then fills its queue first, untimed). `--runs` repeats
 * the whole run, references included, so the spread of each ratio can be seen.
 * QMQ_BENCH_SERVER_ARGS adds node flags to the server (e.g. --cpu-prof); QMQ_BENCH_SERVER_WRAPPER
 * runs it under a command (e.g. strace -f -c -o FILE).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import fs from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { connect, type QueueManagerConnection, type RemoteQueue } from '../src/index.js'
import { Persistence } from '../src/queue/types.js'
import { cpuDifference, cpuSplit, processCpu } from './core/process-cpu.js'
import { measureLoopbackEcho } from './core/loopback-echo.js'
import { measureRawDisk, type RawDiskResult } from './core/raw-disk.js'
import {
  formatMicros,
  nowMicros,
  printTable,
  summarize,
  type LatencySummary,
} from './core/samples.js'

const BODY = Buffer.alloc(1024, 0x62)

interface Child {
  readonly process: ChildProcess
  readonly port: number
  readonly lines: AsyncIterator<string>
}

async function startChild(
  script: string,
  args: string[],
  nodeFlags: string[],
  wrapper: string[] = [],
): Promise<Child> {
  const entry = fileURLToPath(new URL(script, import.meta.url))
  const command = [...wrapper, process.execPath, ...nodeFlags, entry, ...args]
  const child = spawn(command[0]!, command.slice(1), {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, QMQ_LOG_LEVEL: 'warn', QMQ_BENCH_LOOP_DELAY: '1' },
  })
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
  const first = await lines.next()
  const match = /^PORT (\d+)$/.exec(String(first.value))
  if (first.done === true || match === null) throw new Error(`${script} did not start`)
  return { process: child, port: Number(match[1]), lines }
}

async function stopChild(child: Child): Promise<void> {
  if (child.process.exitCode !== null) return
  child.process.kill('SIGTERM')
  await once(child.process, 'exit')
}

interface ServerSample {
  readonly io: Record<string, number>
  readonly journal: { batches: number; records: number } | undefined
  readonly utilisation: number
  readonly loopDelay: { p50Micros: number; p99Micros: number } | undefined
}

async function serverStats(server: Child): Promise<ServerSample> {
  server.process.stdin!.write('STATS\n')
  for (;;) {
    const line = await server.lines.next()
    if (line.done === true) throw new Error('server process ended')
    if (line.value.startsWith('STATS ')) return JSON.parse(line.value.slice(6)) as ServerSample
  }
}

interface Row {
  readonly scenario: string
  readonly connections: number
  readonly inFlight: number
  readonly latency: LatencySummary
  readonly perSecond: number
  readonly cost: Cost
}

/** What one scenario cost, per message, on both sides. */
interface Cost {
  readonly clientMicros: number
  readonly serverMicros: number
  readonly serverMainMicros: number
  readonly serverOtherMicros: number
  readonly readsPerMessage: number
  readonly writesPerMessage: number
  readonly framesPerRead: number
  readonly recordsPerBatch: number
  readonly utilisation: number
  readonly loopDelayP99Micros: number
}

type Operation = (queue: RemoteQueue) => Promise<unknown>

async function runLanes(
  queues: RemoteQueue[],
  inFlightPerConnection: number,
  total: number,
  operation: Operation,
): Promise<{ samples: Float64Array; seconds: number }> {
  const samples = new Float64Array(total)
  let issued = 0
  const started = nowMicros()
  const lane = async (queue: RemoteQueue): Promise<void> => {
    while (issued < total) {
      const index = issued++
      const begin = nowMicros()
      await operation(queue)
      samples[index] = nowMicros() - begin
    }
  }
  const lanes = queues.flatMap((queue) =>
    Array.from({ length: inFlightPerConnection }, () => lane(queue)),
  )
  await Promise.all(lanes)
  return { samples, seconds: (nowMicros() - started) / 1e6 }
}

async function measure(
  server: Child,
  scenario: Scenario,
  queues: RemoteQueue[],
  total: number,
): Promise<Row> {
  const before = {
    client: process.cpuUsage(),
    server: processCpu(server.process.pid!),
    stats: await serverStats(server),
  }
  const { samples, seconds } = await runLanes(queues, scenario.inFlight, total, scenario.operation)
  const clientCpu = process.cpuUsage(before.client)
  const serverCpu = cpuDifference(processCpu(server.process.pid!), before.server)
  const stats = await serverStats(server)
  const split = cpuSplit(serverCpu, server.process.pid!)
  const delta = (key: string): number => (stats.io[key] ?? 0) - (before.stats.io[key] ?? 0)
  const batches = (stats.journal?.batches ?? 0) - (before.stats.journal?.batches ?? 0)
  const records = (stats.journal?.records ?? 0) - (before.stats.journal?.records ?? 0)
  const cost: Cost = {
    clientMicros: (clientCpu.user + clientCpu.system) / total,
    serverMicros: serverCpu.totalMicros / total,
    serverMainMicros: split.main / total,
    serverOtherMicros: split.busiestOther / total,
    readsPerMessage: delta('socketReads') / total,
    writesPerMessage: delta('socketWrites') / total,
    framesPerRead: delta('framesDispatched') / Math.max(1, delta('socketReads')),
    recordsPerBatch: batches === 0 ? 0 : records / batches,
    utilisation: stats.utilisation,
    loopDelayP99Micros: stats.loopDelay?.p99Micros ?? NaN,
  }
  return {
    scenario: scenario.name,
    connections: queues.length,
    inFlight: scenario.inFlight,
    latency: summarize(samples),
    perSecond: total / seconds,
    cost,
  }
}

async function openQueues(connName: string, count: number, queue: string) {
  const connections: QueueManagerConnection[] = []
  const queues: RemoteQueue[] = []
  for (let index = 0; index < count; index++) {
    const connection = await connect({ connName })
    connections.push(connection)
    queues.push(await connection.open(queue, { input: true, output: true }))
  }
  return { connections, queues }
}

const persistentPut: Operation = (queue) => queue.put(BODY, { persistence: Persistence.PERSISTENT })
const nonPersistentPut: Operation = (queue) =>
  queue.put(BODY, { persistence: Persistence.NOT_PERSISTENT })
const get: Operation = (queue) => queue.get()
const putThenGet: Operation = async (queue) => {
  await queue.put(BODY, { persistence: Persistence.NOT_PERSISTENT })
  await queue.get()
}

interface Scenario {
  readonly name: string
  readonly queue: 'BENCH.P' | 'BENCH.N'
  readonly connections: number
  readonly inFlight: number
  readonly operation: Operation
  /** At most this many messages (sequential scenarios are slow). */
  readonly limit?: number
  /** A GET scenario: the PUT that fills its queue when that scenario was not selected. */
  readonly fill?: Operation
}

const SCENARIOS: readonly Scenario[] = [
  { name: 'persistent put, sequential', queue: 'BENCH.P', connections: 1, inFlight: 1,
    operation: persistentPut, limit: 5000 },
  { name: 'persistent get, sequential', queue: 'BENCH.P', connections: 1, inFlight: 1,
    operation: get, limit: 5000, fill: persistentPut },
  { name: 'persistent put, pipelined', queue: 'BENCH.P', connections: 1, inFlight: 256,
    operation: persistentPut },
  { name: 'persistent get, pipelined', queue: 'BENCH.P', connections: 1, inFlight: 256,
    operation: get, fill: persistentPut },
  { name: 'persistent put, pipelined', queue: 'BENCH.P', connections: 4, inFlight: 64,
    operation: persistentPut },
  { name: 'persistent get, pipelined', queue: 'BENCH.P', connections: 4, inFlight: 64,
    operation: get, fill: persistentPut },
  { name: 'persistent put, pipelined', queue: 'BENCH.P', connections: 8, inFlight: 64,
    operation: persistentPut },
  { name: 'persistent get, pipelined', queue: 'BENCH.P', connections: 8, inFlight: 64,
    operation: get, fill: persistentPut },
  { name: 'non-persistent put, pipelined', queue: 'BENCH.N', connections: 8, inFlight: 64,
    operation: nonPersistentPut },
  { name: 'non-persistent get, pipelined', queue: 'BENCH.N', connections: 8, inFlight: 64,
    operation: get, fill: nonPersistentPut },
  { name: 'non-persistent put+get', queue: 'BENCH.N', connections: 8, inFlight: 64,
    operation: putThenGet },
] // prettier-ignore

function selected(scenario: Scenario, only: string[]): boolean {
  const label = `${scenario.name} x${scenario.connections}`
  return only.length === 0 || only.some((text) => label.includes(text))
}

async function scenarios(server: Child, total: number, only: string[]): Promise<Row[]> {
  const connName = `127.0.0.1(${server.port})`
  const admin = await connect({ connName })
  await admin.admin(
    'DEFINE QLOCAL(BENCH.P) DEFPSIST(YES) MAXDEPTH(99999999)\nDEFINE QLOCAL(BENCH.N) MAXDEPTH(99999999)',
  )
  const rows: Row[] = []
  const connections: QueueManagerConnection[] = [admin]
  let previousRan = false
  for (const scenario of SCENARIOS) {
    const count = Math.min(total, scenario.limit ?? total)
    if (!selected(scenario, only)) {
      previousRan = false
      continue
    }
    const opened = await openQueues(connName, scenario.connections, scenario.queue)
    connections.push(...opened.connections)
    if (scenario.fill !== undefined && !previousRan) {
      await runLanes(opened.queues, 64, count, scenario.fill)
    }
    rows.push(await measure(server, scenario, opened.queues, count))
    previousRan = true
  }
  for (const connection of connections) await connection.close()
  return rows
}

interface Run {
  readonly raw: RawDiskResult
  readonly echo: LatencySummary
  readonly rows: Row[]
}

async function oneRun(total: number, only: string[]): Promise<Run> {
  const base = fs.mkdtempSync(join(os.tmpdir(), 'qmq-bench-tcp-'))
  const words = (name: string): string[] => (process.env[name] ?? '').split(' ').filter(Boolean)
  const serverFlags = words('QMQ_BENCH_SERVER_ARGS')
  // e.g. "strace -f -c -o FILE": CPU figures are then the wrapper's, not the server's.
  const serverWrapper = words('QMQ_BENCH_SERVER_WRAPPER')
  const raw = measureRawDisk(base, 1024, 3000, 256)
  const echoProcess = await startChild('./core/echo-process.js', [], [])
  const server = await startChild(
    './core/server-process.js',
    [join(base, 'qm')],
    serverFlags,
    serverWrapper,
  )
  try {
    const echo = await measureLoopbackEcho(echoProcess.port, 1024, 3000)
    const rows = await scenarios(server, total, only)
    return { raw, echo, rows }
  } finally {
    await stopChild(server)
    await stopChild(echoProcess)
    fs.rmSync(base, { recursive: true, force: true })
  }
}

function printRun(run: Run): void {
  const { raw, echo } = run
  const floor = raw.single.p50Micros + echo.p50Micros
  console.log(
    `raw write(1 KiB)+fdatasync p50 ${formatMicros(raw.single.p50Micros)} ` +
      `p99 ${formatMicros(raw.single.p99Micros)}; loopback echo (1 KiB) p50 ` +
      `${formatMicros(echo.p50Micros)} p99 ${formatMicros(echo.p99Micros)}; ` +
      `floor (sum of p50s) ${formatMicros(floor)}`,
  )
  const micros = (value: number): string => value.toFixed(1)
  printTable(
    ['scenario (1 KiB)', 'conns', 'in flight', 'p50', 'p99', 'msgs/s', 'p50-floor', 'cli µs',
      'srv µs', 'main', 'other', 'rd/msg', 'wr/msg', 'fr/rd', 'rec/batch', 'ELU', 'lag p99'],
    run.rows.map((row) => [
      row.scenario,
      String(row.connections),
      String(row.inFlight * row.connections),
      formatMicros(row.latency.p50Micros),
      formatMicros(row.latency.p99Micros),
      row.perSecond.toFixed(0),
      row.inFlight === 1 ? formatMicros(row.latency.p50Micros - floor) : '',
      micros(row.cost.clientMicros),
      micros(row.cost.serverMicros),
      micros(row.cost.serverMainMicros),
      micros(row.cost.serverOtherMicros),
      row.cost.readsPerMessage.toFixed(3),
      row.cost.writesPerMessage.toFixed(3),
      row.cost.framesPerRead.toFixed(1),
      row.cost.recordsPerBatch.toFixed(1),
      row.cost.utilisation.toFixed(2),
      formatMicros(row.cost.loopDelayP99Micros),
    ]),
  ) // prettier-ignore
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string', default: '100000' },
      only: { type: 'string', multiple: true, default: [] },
      runs: { type: 'string', default: '1' },
    },
  })
  const total = Number(values.messages)
  const runs: Run[] = []
  for (let index = 0; index < Number(values.runs); index++) {
    const run = await oneRun(total, values.only)
    console.log(`run ${index + 1}, load average ${os.loadavg()[0]!.toFixed(1)}`)
    printRun(run)
    runs.push(run)
  }
  const out = join('bench', 'results')
  fs.mkdirSync(out, { recursive: true })
  const file = join(out, `tcp-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
  fs.writeFileSync(file, `${JSON.stringify({ runs, node: process.version }, null, 2)}\n`)
  console.log(`results: ${file}`)
}

await main()
