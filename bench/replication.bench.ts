/**
 * Replication benchmark: a 3-member group (real processes on 127.0.0.1..3, one disk) against the
 * single node (a QueueManager with its TCP server in its own process) and raw write+fdatasync,
 * all measured in the same run. Both queue managers are driven by the client library over TCP:
 * sequential persistent 1 KiB puts (p50, p99), then throughput with 256 puts in flight.
 *
 *   npm run bench:replication [-- --messages N --pipelined N --inflight N]
 *
 * Targets (issue 7): group p50 at most 0.3 ms above the single node's; group throughput at
 * least 70% of the single node's.
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { connect, type QueueManagerConnection } from '../src/client/index.js'
import { Persistence } from '../src/queue/types.js'
import { connectToGroup, MemberGroup } from '../src/replication-group/member-group.js'
import { measureRawDisk } from './core/raw-disk.js'
import { formatMicros, nowMicros, printTable, summarize } from './core/samples.js'

const BODY = Buffer.alloc(1024, 0x71)

interface Figures {
  readonly name: string
  readonly p50Micros: number
  readonly p99Micros: number
  readonly perSecond: number
}

async function measure(
  name: string,
  connection: QueueManagerConnection,
  sequential: number,
  pipelined: number,
  inFlight: number,
): Promise<Figures> {
  const queue = await connection.open('APP.Q', { output: true })
  const persistent = { persistence: Persistence.PERSISTENT }
  for (let index = 0; index < 200; index++) await queue.put(BODY, persistent)
  const samples = new Float64Array(sequential)
  for (let index = 0; index < sequential; index++) {
    const started = nowMicros()
    await queue.put(BODY, persistent)
    samples[index] = nowMicros() - started
  }
  let issued = 0
  const started = nowMicros()
  const lane = async (): Promise<void> => {
    while (issued++ < pipelined) await queue.put(BODY, persistent)
  }
  await Promise.all(Array.from({ length: inFlight }, lane))
  const perSecond = pipelined / ((nowMicros() - started) / 1e6)
  const latency = summarize(samples)
  return { name, p50Micros: latency.p50Micros, p99Micros: latency.p99Micros, perSecond }
}

async function singleNode(root: string, port: number, options: RunOptions): Promise<Figures> {
  const script = join(
    fileURLToPath(new URL('.', import.meta.url)),
    'replication',
    'single-node-main.js',
  )
  const child = spawn(process.execPath, [script, join(root, 'single'), String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, QMQ_LOG_LEVEL: 'warn' },
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  while (!output.includes('ready')) await new Promise((resolve) => setTimeout(resolve, 20))
  try {
    const connection = await connect({ connName: `127.0.0.1(${port})`, queueManager: 'QMR' })
    const figures = await measure('single node', connection, ...options.counts)
    await connection.close()
    return figures
  } finally {
    child.kill('SIGTERM')
    await new Promise((resolve) => child.once('exit', resolve))
  }
}

async function group(root: string, port: number, options: RunOptions): Promise<Figures> {
  const members = new MemberGroup(join(root, 'group'), port, 64 * 1024 * 1024)
  fs.mkdirSync(members.root, { recursive: true })
  process.env['QMQ_LOG_LEVEL'] ??= 'warn'
  members.startAll()
  try {
    await members.waitForPrimary(30_000)
    const connection = await connectToGroup(members.connName)
    const figures = await measure('3-member group', connection, ...options.counts)
    await connection.close()
    return figures
  } finally {
    await members.stopAll()
  }
}

interface RunOptions {
  readonly counts: [sequential: number, pipelined: number, inFlight: number]
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string', default: '2000' },
      pipelined: { type: 'string', default: '20000' },
      inflight: { type: 'string', default: '256' },
    },
  })
  const options: RunOptions = {
    counts: [Number(values.messages), Number(values.pipelined), Number(values.inflight)],
  }
  const root = fs.mkdtempSync(join(os.tmpdir(), 'qmq-bench-replication-'))
  const port = 30_000 + 2 * Math.floor(Math.random() * 5_000)
  try {
    const raw = measureRawDisk(root, 1024 + 128, 2000, 64)
    const single = await singleNode(root, port, options)
    const replicated = await group(root, port + 2, options)
    const rows = [single, replicated].map((figures) => [
      figures.name,
      formatMicros(figures.p50Micros),
      formatMicros(figures.p99Micros),
      `${Math.round(figures.perSecond)}/s`,
    ])
    rows.unshift([
      'raw write+fdatasync',
      formatMicros(raw.single.p50Micros),
      formatMicros(raw.single.p99Micros),
      '-',
    ])
    console.log(`\nsequential persistent 1 KiB put; throughput with ${options.counts[2]} in flight`)
    printTable(['system', 'p50', 'p99', 'throughput'], rows)
    const p50Delta = (replicated.p50Micros - single.p50Micros) / 1000
    const ratio = replicated.perSecond / single.perSecond
    console.log(
      `\ngroup p50 - single p50 = ${p50Delta.toFixed(2)} ms (target <= 0.3 ms): ` +
        `${p50Delta <= 0.3 ? 'met' : 'MISSED'}`,
    )
    console.log(
      `group throughput / single = ${(ratio * 100).toFixed(0)}% (target >= 70%): ` +
        `${ratio >= 0.7 ? 'met' : 'MISSED'}`,
    )
  } finally {
    fs.rmSync(root, { recursive: true, force: true })
  }
}

await main()
