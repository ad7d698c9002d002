/**
 * DR benchmark, one run: the single node against a DR pair's primary, asynchronous and
 * synchronous, then resynchronisation after an outage backlog. Two qmqd (QMQ_HOME each, nodes a
 * on 127.0.0.1 and b on 127.0.0.2, one disk) driven by the commands, each with an asynchronous
 * and a synchronous DR queue manager; the single node is a QueueManager with its TCP server in
 * its own process. Clients use the client library over TCP.
 *
 *   npm run bench:dr [-- --messages N --backlog-mb N]
 *
 * Targets (issue 9): asynchronous put p50 at most 1.1x the single node's; synchronous put p50 at
 * most the single node's + 0.3 ms; resync at least 200 MB/s on loopback (the backlog is
 * 1 GB; the default here is 256 MB, which this machine writes in reasonable time); time to Normal.
 * Resync: b's qmqd is killed (SIGKILL by its pid file), the backlog is put on the asynchronous
 * primary in 64 KiB persistent messages, b's qmqd is started again; the rate is the backlog over
 * the time from the link being back (the status leaves Remote unavailable) to Normal.
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { connect, type QueueManagerConnection } from '../src/client/index.js'
import { Persistence } from '../src/queue/types.js'
import { formatMicros, nowMicros, printTable, summarize } from './core/samples.js'
import { runCommand, waitForStatus, type DrNodeName } from './dr/commands.js'

const BODY = Buffer.alloc(1024, 0x71)
const BACKLOG_BODY = Buffer.alloc(64 * 1024, 0x62)
const ADDRESS: Record<DrNodeName, string> = { a: '127.0.0.1', b: '127.0.0.2' }

async function sequentialP50(connection: QueueManagerConnection, count: number) {
  const queue = await connection.open('APP.Q', { output: true })
  const persistent = { persistence: Persistence.PERSISTENT }
  for (let index = 0; index < 200; index++) await queue.put(BODY, persistent)
  const samples = new Float64Array(count)
  for (let index = 0; index < count; index++) {
    const started = nowMicros()
    await queue.put(BODY, persistent)
    samples[index] = nowMicros() - started
  }
  return summarize(samples)
}

async function singleNode(root: string, port: number, count: number) {
  const here = fileURLToPath(new URL('.', import.meta.url))
  const script = join(here, 'replication', 'single-node-main.js')
  const child = spawn(process.execPath, [script, join(root, 'single'), String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, QMQ_LOG_LEVEL: 'warn' },
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  while (!output.includes('ready')) await new Promise((resolve) => setTimeout(resolve, 20))
  try {
    const connection = await connect({ connName: `127.0.0.1(${port})`, queueManager: 'QMR' })
    const figures = await sequentialP50(connection, count)
    await connection.close()
    return figures
  } finally {
    child.kill('SIGTERM')
    await new Promise((resolve) => child.once('exit', resolve))
  }
}

interface Pair {
  readonly homes: Record<DrNodeName, string>
  readonly qm: string
  readonly listener: number
}

async function createPair(
  homes: Record<DrNodeName, string>,
  qm: string,
  type: 'a' | 's',
  drPort: number,
  listener: number,
): Promise<Pair> {
  const created = await runCommand(homes.a, 'a', 'crtmqm', [
    ...['-rr', 'p', '-rt', type, '-rl', ADDRESS.a, '-ri', ADDRESS.b, '-rn', 'b'],
    ...['-rp', String(drPort), '-p', String(listener), qm],
  ])
  const printed = created.split('\n').find((line) => line.startsWith('crtmqm -rr s'))!
  await runCommand(homes.b, 'b', 'crtmqm', printed.split(' ').slice(1))
  await runCommand(homes.a, 'a', 'strmqm', [qm])
  await runCommand(homes.a, 'a', 'runmqsc', [qm], 'DEFINE QLOCAL(APP.Q) MAXDEPTH(999999999)\n')
  await waitForStatus(homes.a, 'a', qm, 'Normal', 60_000)
  return { homes, qm, listener }
}

async function pairP50(pair: Pair, count: number) {
  const connection = await connect({
    connName: `${ADDRESS.a}(${pair.listener})`,
    queueManager: pair.qm,
  })
  const figures = await sequentialP50(connection, count)
  await connection.close()
  return figures
}

function daemonPid(home: string): number {
  return Number(fs.readFileSync(join(home, 'qmqd.pid'), 'utf8').trim())
}

async function killDaemon(home: string): Promise<void> {
  const pid = daemonPid(home)
  process.kill(pid, 'SIGKILL')
  for (;;) {
    try {
      process.kill(pid, 0)
    } catch {
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

async function putBacklog(pair: Pair, bytes: number): Promise<void> {
  const connection = await connect({
    connName: `${ADDRESS.a}(${pair.listener})`,
    queueManager: pair.qm,
  })
  const queue = await connection.open('APP.Q', { output: true })
  const count = Math.ceil(bytes / BACKLOG_BODY.length)
  let issued = 0
  const lane = async (): Promise<void> => {
    while (issued++ < count) {
      await queue.put(BACKLOG_BODY, { persistence: Persistence.PERSISTENT })
    }
  }
  await Promise.all(Array.from({ length: 8 }, lane))
  await connection.close()
}

async function resync(pair: Pair, backlogBytes: number) {
  await killDaemon(pair.homes.b)
  await putBacklog(pair, backlogBytes)
  const outage = await waitForStatus(pair.homes.a, 'a', pair.qm, 'Remote unavailable', 60_000)
  const outOfSync = outage.outOfSyncBytes
  const started = performance.now()
  await runCommand(pair.homes.b, 'b', 'qmqd', ['start'])
  const linked = await waitForStatus(pair.homes.a, 'a', pair.qm, 'not Remote unavailable', 60_000)
  const linkedMs = performance.now()
  await waitForStatus(pair.homes.a, 'a', pair.qm, 'Normal', 600_000)
  const normalMs = performance.now()
  const syncSeconds = (normalMs - linkedMs) / 1000
  return {
    outOfSync,
    firstSeen: linked.status,
    megabytesPerSecond: outOfSync / 1e6 / syncSeconds,
    toNormalSeconds: (normalMs - started) / 1000,
    syncSeconds,
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string', default: '2000' },
      'skip-latency': { type: 'boolean', default: false },
      'backlog-mb': { type: 'string', default: '256' },
    },
  })
  const count = Number(values.messages)
  const backlogBytes = Number(values['backlog-mb']) * 1024 * 1024
  const root = fs.mkdtempSync(join(os.tmpdir(), 'qmq-bench-dr-'))
  const homes = { a: join(root, 'a'), b: join(root, 'b') }
  for (const home of Object.values(homes)) fs.mkdirSync(home, { recursive: true })
  const port = 30_000 + 8 * Math.floor(Math.random() * 3_000)
  process.env['QMQ_LOG_LEVEL'] ??= 'warn'
  try {
    const single = await singleNode(root, port, count)
    const asyncPair = await createPair(homes, 'DRA', 'a', port + 1, port + 2)
    const syncPair = await createPair(homes, 'DRS', 's', port + 3, port + 4)
    const asynchronous = await pairP50(asyncPair, count)
    const synchronous = await pairP50(syncPair, count)
    const again = await singleNode(root, port + 5, count)
    const rows = [
      ['single node', single],
      ['DR asynchronous primary', asynchronous],
      ['DR synchronous primary', synchronous],
      ['single node (again)', again],
    ] as const
    console.log(`\nsequential persistent 1 KiB put, ${count} each`)
    printTable(
      ['system', 'p50', 'p99'],
      rows.map(([name, figures]) => [
        name,
        formatMicros(figures.p50Micros),
        formatMicros(figures.p99Micros),
      ]),
    )
    const singleP50 = Math.min(single.p50Micros, again.p50Micros)
    const ratio = asynchronous.p50Micros / singleP50
    const delta = (synchronous.p50Micros - singleP50) / 1000
    console.log(
      `async p50 / single p50 = ${ratio.toFixed(2)}x (target <= 1.1x): ` +
        `${ratio <= 1.1 ? 'met' : 'MISSED'}`,
    )
    console.log(
      `sync p50 - single p50 = ${delta.toFixed(2)} ms (target <= 0.3 ms): ` +
        `${delta <= 0.3 ? 'met' : 'MISSED'}`,
    )
    const figures = await resync(asyncPair, backlogBytes)
    console.log(
      `\nresync after a ${(backlogBytes / 1024 / 1024).toFixed(0)} MiB backlog ` +
        `(out of sync ${(figures.outOfSync / 1024 / 1024).toFixed(1)} MiB): ` +
        `${figures.megabytesPerSecond.toFixed(0)} MB/s over ${figures.syncSeconds.toFixed(2)} s ` +
        `(target >= 200 MB/s: ${figures.megabytesPerSecond >= 200 ? 'met' : 'MISSED'}); ` +
        `Normal ${figures.toNormalSeconds.toFixed(2)} s after qmqd start on b`,
    )
  } finally {
    for (const [name, home] of Object.entries(homes)) {
      await runCommand(home, name as DrNodeName, 'qmqd', ['stop', '-f']).catch(() => undefined)
    }
    if (process.env['QMQ_BENCH_KEEP'] === undefined)
      fs.rmSync(root, { recursive: true, force: true })
    else console.log(`kept ${root}`)
  }
}

await main()
