/**
 * Over-TCP benchmark (issue 3 figures): a queue manager server in its own process on loopback,
 * clients here, 1 KiB messages; raw write+fdatasync on the same disk measured in the same run.
 *
 *   npm run build && node dist/bench/tcp.bench.js [--messages N]
 *
 * Scenarios: sequential persistent put latency; pipelined persistent put throughput from 1 and
 * 8 connections; pipelined persistent get throughput likewise; non-persistent put+get.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import fs from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { connect, type QueueManagerConnection, type RemoteQueue } from '../src/index.js'
import { Persistence } from '../src/queue/types.js'
import { measureRawDisk } from './core/raw-disk.js'
import {
  formatMicros,
  nowMicros,
  printTable,
  summarize,
  type LatencySummary,
} from './core/samples.js'

const BODY = Buffer.alloc(1024, 0x62)

async function startServer(directory: string): Promise<{ child: ChildProcess; connName: string }> {
  const entry = fileURLToPath(new URL('./core/server-process.js', import.meta.url))
  const child = spawn(process.execPath, [entry, directory], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, QMQ_LOG_LEVEL: 'warn' },
  })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  while (!/PORT \d+/.test(output)) {
    if (child.exitCode !== null) throw new Error('server process exited')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  const port = /PORT (\d+)/.exec(output)![1]
  return { child, connName: `127.0.0.1(${port})` }
}

interface Row {
  readonly scenario: string
  readonly connections: number
  readonly inFlight: number
  readonly latency: LatencySummary
  readonly perSecond: number
}

type Operation = (queue: RemoteQueue) => Promise<unknown>

async function drive(
  scenario: string,
  queues: RemoteQueue[],
  inFlightPerConnection: number,
  total: number,
  operation: Operation,
): Promise<Row> {
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
  const seconds = (nowMicros() - started) / 1e6
  return {
    scenario,
    connections: queues.length,
    inFlight: inFlightPerConnection,
    latency: summarize(samples),
    perSecond: total / seconds,
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

async function scenarios(connName: string, total: number): Promise<Row[]> {
  const admin = await connect({ connName })
  await admin.admin(
    'DEFINE QLOCAL(BENCH.P) DEFPSIST(YES) MAXDEPTH(99999999)\nDEFINE QLOCAL(BENCH.N) MAXDEPTH(99999999)',
  )
  const rows: Row[] = []
  const one = await openQueues(connName, 1, 'BENCH.P')
  const eight = await openQueues(connName, 8, 'BENCH.P')
  rows.push(
    await drive('persistent put, sequential', one.queues, 1, Math.min(total, 5000), persistentPut),
  )
  rows.push(await drive('persistent get, sequential', one.queues, 1, Math.min(total, 5000), get))
  rows.push(await drive('persistent put, pipelined', one.queues, 256, total, persistentPut))
  rows.push(await drive('persistent get, pipelined', one.queues, 256, total, get))
  rows.push(await drive('persistent put, pipelined', eight.queues, 64, total, persistentPut))
  rows.push(await drive('persistent get, pipelined', eight.queues, 64, total, get))
  const nonPersistent = await openQueues(connName, 8, 'BENCH.N')
  rows.push(
    await drive('non-persistent put, pipelined', nonPersistent.queues, 64, total, nonPersistentPut),
  )
  rows.push(await drive('non-persistent get, pipelined', nonPersistent.queues, 64, total, get))
  rows.push(await drive('non-persistent put+get', nonPersistent.queues, 64, total, putThenGet))
  for (const connection of [
    admin,
    ...one.connections,
    ...eight.connections,
    ...nonPersistent.connections,
  ]) {
    await connection.close()
  }
  return rows
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { messages: { type: 'string', default: '100000' } } })
  const total = Number(values.messages)
  const base = fs.mkdtempSync(join(os.tmpdir(), 'qmq-bench-tcp-'))
  const raw = measureRawDisk(base, 1024, 3000, 256)
  const { child, connName } = await startServer(join(base, 'qm'))
  let rows: Row[] = []
  try {
    rows = await scenarios(connName, total)
  } finally {
    child.kill('SIGTERM')
    await once(child, 'exit')
    fs.rmSync(base, { recursive: true, force: true })
  }
  console.log(`raw write(1 KiB)+fdatasync p50 ${formatMicros(raw.single.p50Micros)}`)
  printTable(
    ['scenario (1 KiB)', 'conns', 'in flight', 'p50', 'p99', 'p99.9', 'msgs/s', 'p50 - raw'],
    rows.map((row) => [
      row.scenario,
      String(row.connections),
      String(row.inFlight * row.connections),
      formatMicros(row.latency.p50Micros),
      formatMicros(row.latency.p99Micros),
      formatMicros(row.latency.p999Micros),
      row.perSecond.toFixed(0),
      formatMicros(row.latency.p50Micros - raw.single.p50Micros),
    ]),
  )
  const out = join('bench', 'results')
  fs.mkdirSync(out, { recursive: true })
  const file = join(out, `tcp-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
  fs.writeFileSync(file, `${JSON.stringify({ raw, rows, node: process.version }, null, 2)}\n`)
  console.log(`results: ${file}`)
}

await main()
