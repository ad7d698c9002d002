/**
 * In-process queue manager benchmark (no network): persistent 1 KiB put and get, sequential and
 * pipelined, against raw write+fdatasync measured in the same run; then memory and restart time
 * with a deep queue.
 *
 *   npm run build && node --expose-gc dist/bench/queue-manager.bench.js [--messages N] [--deep N]
 *
 * --deep 1000000 measures heap per queued message at a million 1 KiB persistent messages, the
 * clean restart (from the close-time checkpoint) and the restart after SIGKILL (checkpoint plus
 * log replay), the latter in a child process that is killed once its puts are acknowledged.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import fs from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { QueueManager } from '../src/queue-manager/queue-manager.js'
import { Persistence } from '../src/queue/types.js'
import { measureRawDisk } from './core/raw-disk.js'
import { formatMicros, nowMicros, printTable, summarize } from './core/samples.js'

const BODY = Buffer.alloc(1024, 0x71)

async function openFresh(directory: string): Promise<QueueManager> {
  fs.rmSync(directory, { recursive: true, force: true })
  const queueManager = await QueueManager.open({
    dataDirectory: directory,
    create: { name: 'BENCH' },
  })
  await queueManager.engine.defineQueue({
    name: 'Q',
    defaultPersistent: true,
    maxDepth: 999_999_999,
  })
  return queueManager
}

type Operation = 'put' | 'get'

async function measure(
  queueManager: QueueManager,
  operation: Operation,
  inFlight: number,
  total: number,
) {
  const connection = queueManager.connect()
  const handle = connection.open('Q', { input: true, output: true })
  const samples = new Float64Array(total)
  let issued = 0
  const started = nowMicros()
  const lane = async (): Promise<void> => {
    while (issued < total) {
      const index = issued++
      const begin = nowMicros()
      if (operation === 'put') await handle.put(BODY, { persistence: Persistence.PERSISTENT })
      else await handle.get()
      samples[index] = nowMicros() - begin
    }
  }
  await Promise.all(Array.from({ length: inFlight }, lane))
  const seconds = (nowMicros() - started) / 1e6
  await connection.close()
  return { operation, inFlight, latency: summarize(samples), perSecond: total / seconds }
}

function heapBytes(): number {
  ;(globalThis as { gc?: () => void }).gc?.()
  const usage = process.memoryUsage()
  return usage.heapUsed + usage.arrayBuffers
}

async function fillDeep(queueManager: QueueManager, count: number): Promise<void> {
  const connection = queueManager.connect()
  const handle = connection.open('Q', { output: true })
  let issued = 0
  const lane = async (): Promise<void> => {
    while (issued < count) {
      issued++
      await handle.put(BODY)
    }
  }
  await Promise.all(Array.from({ length: 256 }, lane))
  await connection.close()
}

async function deepQueue(directory: string, count: number) {
  const queueManager = await openFresh(directory)
  const before = heapBytes()
  const fillStarted = nowMicros()
  await fillDeep(queueManager, count)
  const fillSeconds = (nowMicros() - fillStarted) / 1e6
  const after = heapBytes()
  const closeStarted = nowMicros()
  await queueManager.close()
  const closeMs = (nowMicros() - closeStarted) / 1000
  const reopenStarted = nowMicros()
  const reopened = await QueueManager.open({ dataDirectory: directory })
  const cleanRestartMs = (nowMicros() - reopenStarted) / 1000
  const depth = reopened.engine.queueStatus('Q').currentDepth
  await reopened.close()
  return {
    count,
    fillSeconds,
    heapBytesPerMessage: (after - before) / count,
    closeMs,
    cleanRestartMs,
    depthAfterRestart: depth,
  }
}

/** A child fills the queue, reports FILLED, and is killed; the parent then times recovery. */
async function crashRestart(directory: string, count: number) {
  fs.rmSync(directory, { recursive: true, force: true })
  const self = fileURLToPath(import.meta.url)
  const child = spawn(
    process.execPath,
    [self, '--child-fill', directory, '--deep', String(count)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  while (!output.includes('FILLED')) await new Promise((resolve) => setTimeout(resolve, 50))
  child.kill('SIGKILL')
  await once(child, 'exit')
  const started = nowMicros()
  const queueManager = await QueueManager.open({ dataDirectory: directory })
  const restartMs = (nowMicros() - started) / 1000
  const { replayedRecords } = queueManager.recovery
  const depth = queueManager.engine.queueStatus('Q').currentDepth
  await queueManager.close()
  return { restartMs, replayedRecords, depth }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string', default: '20000' },
      deep: { type: 'string', default: '0' },
      'child-fill': { type: 'string' },
    },
  })
  if (values['child-fill'] !== undefined) {
    const queueManager = await openFresh(values['child-fill'])
    await fillDeep(queueManager, Number(values.deep))
    process.stdout.write('FILLED\n')
    await new Promise(() => undefined)
  }
  const total = Number(values.messages)
  const base = fs.mkdtempSync(join(os.tmpdir(), 'qmq-bench-qm-'))
  const raw = measureRawDisk(base, 1024, 3000, 256)
  const rows = []
  for (const inFlight of [1, 256]) {
    const queueManager = await openFresh(join(base, `qm-${inFlight}`))
    rows.push(await measure(queueManager, 'put', inFlight, total))
    rows.push(await measure(queueManager, 'get', inFlight, total))
    await queueManager.close()
  }
  console.log(
    `raw write(1 KiB)+fdatasync p50 ${formatMicros(raw.single.p50Micros)}; group-commit ceiling ${raw.groupCommitRecordsPerSecond.toFixed(0)} records/s`,
  )
  printTable(
    ['operation', 'in flight', 'p50', 'p99', 'p99.9', 'msgs/s', 'p50/raw'],
    rows.map((row) => [
      `persistent ${row.operation}`,
      String(row.inFlight),
      formatMicros(row.latency.p50Micros),
      formatMicros(row.latency.p99Micros),
      formatMicros(row.latency.p999Micros),
      row.perSecond.toFixed(0),
      (row.latency.p50Micros / raw.single.p50Micros).toFixed(2),
    ]),
  )
  const deepCount = Number(values.deep)
  let deep = undefined
  let crash = undefined
  if (deepCount > 0) {
    deep = await deepQueue(join(base, 'deep'), deepCount)
    console.log(
      `deep queue: ${deepCount} x 1 KiB persistent, filled in ${deep.fillSeconds.toFixed(1)} s; heap ${deep.heapBytesPerMessage.toFixed(0)} B/message; close ${deep.closeMs.toFixed(0)} ms; clean restart ${deep.cleanRestartMs.toFixed(0)} ms (depth ${deep.depthAfterRestart})`,
    )
    crash = await crashRestart(join(base, 'crash'), deepCount)
    console.log(
      `restart after SIGKILL: ${crash.restartMs.toFixed(0)} ms, replayed ${crash.replayedRecords} records (depth ${crash.depth})`,
    )
  }
  fs.rmSync(base, { recursive: true, force: true })
  const out = join('bench', 'results')
  fs.mkdirSync(out, { recursive: true })
  const file = join(out, `queue-manager-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
  fs.writeFileSync(
    file,
    `${JSON.stringify({ raw, rows, deep, crash, node: process.version }, null, 2)}\n`,
  )
  console.log(`results: ${file}`)
}

await main()
