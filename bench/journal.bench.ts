/**
 * Journal append benchmark: 1 KiB PUT records through the real journal actor (ring, worker,
 * group commit, fdatasync) with 1, 16 and 256 appends in flight, against a raw write+fdatasync
 * loop on the same disk in the same run.
 *
 *   npm run build && node dist/bench/journal.bench.js [--records N] [--dir PATH]
 *
 * Figures, not assertions: the ratios are printed and written to bench/results/.
 */
import fs from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { JournalHandle } from '../src/actors/journal/handle.js'
import { preallocateSegment, segmentPath } from '../src/actors/journal/segment-files.js'
import { Supervisor } from '../src/actors/supervisor/supervisor.js'
import { RecordType, type MessagePutRecord } from '../src/actors/journal/record-types.js'
import { rootLogger } from '../src/log.js'
import { SideWorkPool } from '../src/side-work/pool.js'
import { measureRawDisk } from './core/raw-disk.js'
import {
  formatMicros,
  nowMicros,
  printTable,
  summarize,
  type LatencySummary,
} from './core/samples.js'

const SEGMENT_BYTES = 64 * 1024 * 1024

function record(body: Buffer): MessagePutRecord {
  return {
    type: RecordType.MESSAGE_PUT,
    queueId: 1,
    uowId: 0,
    descriptor: {
      msgId: Buffer.alloc(24, 1),
      correlId: Buffer.alloc(24),
      persistent: true,
      priority: 0,
      expiry: -1,
      putTimeMs: Date.now(),
      backoutCount: 0,
      format: 'MQSTR',
      replyToQueue: '',
      replyToQueueManager: '',
    },
    body,
  }
}

interface InFlightResult {
  readonly inFlight: number
  readonly latency: LatencySummary
  readonly recordsPerSecond: number
  readonly averageBatchRecords: number
  readonly averageSyncMicros: number
  readonly batchesPerSecond: number
}

async function measureInFlight(
  directory: string,
  inFlight: number,
  total: number,
): Promise<InFlightResult> {
  fs.rmSync(directory, { recursive: true, force: true })
  fs.mkdirSync(directory, { recursive: true })
  preallocateSegment(directory, 0, SEGMENT_BYTES)
  const supervisor = new Supervisor(rootLogger())
  const sideWork = new SideWorkPool()
  const journal = JournalHandle.start({
    directory,
    segmentBytes: SEGMENT_BYTES,
    startLsn: 0,
    epoch: 1,
    supervisor,
    sideWork,
    logger: rootLogger(),
  })
  const payload = record(Buffer.alloc(1024 - 132, 0x61))
  // Warm up: worker start, JIT, the first segment's pages.
  for (let index = 0; index < 200; index++) await journal.waitDurable(journal.append(payload))
  // Steady state: the next segment is already prepared (recycled in a long-running queue
  // manager), so no 64 MiB zero-fill competes with the measured fdatasyncs.
  while (!fs.existsSync(segmentPath(directory, 1)))
    await new Promise((resolve) => setTimeout(resolve, 20))
  const before = await journal.stats()
  const samples = new Float64Array(total)
  let issued = 0
  const started = nowMicros()
  const lane = async (): Promise<void> => {
    while (issued < total) {
      const index = issued++
      const begin = nowMicros()
      await journal.waitDurable(journal.append(payload))
      samples[index] = nowMicros() - begin
    }
  }
  await Promise.all(Array.from({ length: inFlight }, lane))
  const seconds = (nowMicros() - started) / 1e6
  const after = await journal.stats()
  await journal.close()
  await supervisor.stopAll()
  await sideWork.close()
  const batches = (after?.batches ?? 0) - (before?.batches ?? 0)
  const syncMicros = (after?.syncMicrosTotal ?? 0) - (before?.syncMicrosTotal ?? 0)
  return {
    inFlight,
    latency: summarize(samples),
    recordsPerSecond: total / seconds,
    averageBatchRecords: batches === 0 ? NaN : total / batches,
    averageSyncMicros: batches === 0 ? NaN : syncMicros / batches,
    batchesPerSecond: batches / seconds,
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { records: { type: 'string', default: '20000' }, dir: { type: 'string' } },
  })
  const total = Number(values.records)
  const base = values.dir ?? fs.mkdtempSync(join(os.tmpdir(), 'qmq-bench-journal-'))
  const raw = measureRawDisk(base, 1024, 3000, 256)
  const results: InFlightResult[] = []
  for (const inFlight of [1, 16, 256]) {
    results.push(await measureInFlight(join(base, `journal-${inFlight}`), inFlight, total))
  }
  fs.rmSync(base, { recursive: true, force: true })
  console.log(
    `raw write(1 KiB)+fdatasync: p50 ${formatMicros(raw.single.p50Micros)} p99 ${formatMicros(raw.single.p99Micros)}`,
  )
  console.log(
    `raw group-commit ceiling (256 x 1 KiB per fdatasync): ${raw.groupCommitRecordsPerSecond.toFixed(0)} records/s`,
  )
  printTable(
    [
      'in flight',
      'p50',
      'p99',
      'p99.9',
      'max',
      'records/s',
      'avg batch',
      'avg sync',
      'batches/s',
      'p50/raw',
      'rate/ceiling',
    ],
    results.map((result) => [
      String(result.inFlight),
      formatMicros(result.latency.p50Micros),
      formatMicros(result.latency.p99Micros),
      formatMicros(result.latency.p999Micros),
      formatMicros(result.latency.maxMicros),
      result.recordsPerSecond.toFixed(0),
      result.averageBatchRecords.toFixed(1),
      formatMicros(result.averageSyncMicros),
      result.batchesPerSecond.toFixed(0),
      (result.latency.p50Micros / raw.single.p50Micros).toFixed(2),
      (result.recordsPerSecond / raw.groupCommitRecordsPerSecond).toFixed(2),
    ]),
  )
  const out = join('bench', 'results')
  fs.mkdirSync(out, { recursive: true })
  const file = join(out, `journal-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
  fs.writeFileSync(
    file,
    `${JSON.stringify({ raw, results, node: process.version, cpus: os.cpus().length }, null, 2)}\n`,
  )
  console.log(`results: ${file}`)
}

await main()
