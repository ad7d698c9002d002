/**
 * TLS against plain TCP on the client path, in one run: pipelined persistent 1 KiB puts over
 * one connection, 256 in flight, to one queue manager listening twice (plain and TLS 1.3 with
 * a throwaway EC P-256 certificate), the two alternated round by round so both see the same
 * machine load. Client and server share this process (the ratio is what it reports; the
 * absolute rates are below tcp.bench.ts's, whose server has its own process).
 *
 *   npm run build && node dist/bench/tls.bench.js [--rounds 3] [--messages 20000]
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { connect } from '../src/client/index.js'
import { QueueManager } from '../src/queue-manager/queue-manager.js'
import { Persistence } from '../src/queue/types.js'
import { QueueManagerServer } from '../src/server/server.js'

const argument = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(name)
  return index < 0 ? fallback : Number(process.argv[index + 1])
}
const ROUNDS = argument('--rounds', 3)
const MESSAGES = argument('--messages', 20_000)
const IN_FLIGHT = 256
const BODY = Buffer.alloc(1024, 0x61)

function certificate(directory: string): { key: Buffer; cert: Buffer } {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'key.pem',
      '-out',
      'cert.pem',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { cwd: directory, stdio: 'pipe' },
  )
  const read = (name: string): Buffer => fs.readFileSync(join(directory, name))
  return { key: read('key.pem'), cert: read('cert.pem') }
}

async function pipelinedPuts(port: number, ca: Buffer | undefined): Promise<number> {
  const connection = await connect({
    connName: `127.0.0.1(${port})`,
    tls: ca === undefined ? undefined : { ca },
  })
  const queue = await connection.open('BENCH.Q', { output: true })
  let next = 0
  const started = performance.now()
  const lane = async (): Promise<void> => {
    while (next++ < MESSAGES) await queue.put(BODY, { persistence: Persistence.PERSISTENT })
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane))
  const seconds = (performance.now() - started) / 1000
  await connection.close()
  return MESSAGES / seconds
}

async function main(): Promise<void> {
  const directory = fs.mkdtempSync(join(os.tmpdir(), 'qmq-tls-bench-'))
  const queueManager = await QueueManager.open({
    dataDirectory: join(directory, 'data'),
    create: { name: 'QMBENCH' },
  })
  await queueManager.engine.defineQueue({ name: 'BENCH.Q', maxDepth: 10_000_000 })
  const files = certificate(directory)
  const plain = await QueueManagerServer.listen({ queueManager, port: 0 })
  const secure = await QueueManagerServer.listen({ queueManager, port: 0, tls: files })
  const rates: Record<'plain' | 'tls', number[]> = { plain: [], tls: [] }
  await pipelinedPuts(plain.port, undefined) // warm-up, both paths
  await pipelinedPuts(secure.port, files.cert)
  for (let round = 0; round < ROUNDS; round++) {
    rates.plain.push(await pipelinedPuts(plain.port, undefined))
    rates.tls.push(await pipelinedPuts(secure.port, files.cert))
    await queueManager.engine.clearQueue('BENCH.Q')
  }
  const median = (values: number[]): number =>
    [...values].sort((a, b) => a - b)[values.length >> 1]!
  const [p, t] = [median(rates.plain), median(rates.tls)]
  const format = (values: number[]): string => values.map((v) => v.toFixed(0)).join(', ')
  console.log(`pipelined persistent 1 KiB puts, ${IN_FLIGHT} in flight, ${MESSAGES} per round`)
  console.log(`plain TCP  msgs/s: ${format(rates.plain)} (median ${p.toFixed(0)})`)
  console.log(`TLS 1.3    msgs/s: ${format(rates.tls)} (median ${t.toFixed(0)})`)
  console.log(`TLS cost: ${((1 - t / p) * 100).toFixed(1)} % less throughput (median of ${ROUNDS})`)
  await plain.close()
  await secure.close()
  await queueManager.close()
  fs.rmSync(directory, { recursive: true, force: true })
}

void main()
