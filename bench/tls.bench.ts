/**
 * TLS against plain TCP on the client path, in one run: pipelined persistent 1 KiB puts over
 * one connection, 256 in flight, to one queue manager listening twice (plain and TLS 1.3 with
 * a throwaway EC P-256 certificate). The queue manager and its listeners run in a process of
 * their own (core/tls-server-process.ts), as tcp.bench.ts's server does, so client and server
 * do not share an event loop. The two paths alternate round by round, and which goes first
 * alternates too, so both see the same machine load and neither always follows a warm cache.
 *
 *   npm run build && node dist/bench/tls.bench.js [--rounds 5] [--messages 20000]
 */
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import fs from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { connect } from '../src/client/index.js'
import { Persistence } from '../src/queue/types.js'

const argument = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(name)
  return index < 0 ? fallback : Number(process.argv[index + 1])
}
const ROUNDS = argument('--rounds', 5)
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

interface ServerProcess {
  readonly ports: { plain: number; tls: number }
  /** Empties BENCH.Q; the server process's CPU time so far (µs). */
  clear(): Promise<number>
  stop(): Promise<void>
}

async function startServer(directory: string): Promise<ServerProcess> {
  const entry = fileURLToPath(new URL('./core/tls-server-process.js', import.meta.url))
  const child = spawn(process.execPath, [entry, join(directory, 'data'), directory], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, QMQ_LOG_LEVEL: 'warn' },
  })
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const first = await lines.next()
  const match = /^PORTS (\d+) (\d+)$/.exec(String(first.value))
  if (first.done === true || match === null) throw new Error('the TLS bench server did not start')
  return {
    ports: { plain: Number(match[1]), tls: Number(match[2]) },
    clear: async () => {
      child.stdin.write('CLEAR\n')
      const answer = await lines.next()
      const cpu = /^CLEARED (\d+)$/.exec(String(answer.value))
      if (cpu === null) throw new Error(`server answered ${String(answer.value)}`)
      return Number(cpu[1])
    },
    stop: async () => {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      await once(child, 'exit')
    },
  }
}

async function main(): Promise<void> {
  const directory = fs.mkdtempSync(join(os.tmpdir(), 'qmq-tls-bench-'))
  const files = certificate(directory)
  const server = await startServer(directory)
  const run = (path: 'plain' | 'tls'): Promise<number> =>
    path === 'plain'
      ? pipelinedPuts(server.ports.plain, undefined)
      : pipelinedPuts(server.ports.tls, files.cert)
  const rates: Record<'plain' | 'tls', number[]> = { plain: [], tls: [] }
  // CPU µs per message, server and client: less disturbed by a busy machine than rates.
  const cpu: Record<'plain' | 'tls', { server: number[]; client: number[] }> = {
    plain: { server: [], client: [] },
    tls: { server: [], client: [] },
  }
  await run('plain') // warm-up, both paths
  await run('tls')
  let serverCpu = await server.clear()
  for (let round = 0; round < ROUNDS; round++) {
    const order: ('plain' | 'tls')[] = round % 2 === 0 ? ['plain', 'tls'] : ['tls', 'plain']
    for (const path of order) {
      const clientBefore = process.cpuUsage()
      rates[path].push(await run(path))
      const client = process.cpuUsage(clientBefore)
      const serverNow = await server.clear()
      cpu[path].server.push((serverNow - serverCpu) / MESSAGES)
      cpu[path].client.push((client.user + client.system) / MESSAGES)
      serverCpu = serverNow
    }
  }
  const median = (values: number[]): number =>
    [...values].sort((a, b) => a - b)[values.length >> 1]!
  const [p, t] = [median(rates.plain), median(rates.tls)]
  const format = (values: number[]): string => values.map((v) => v.toFixed(0)).join(', ')
  const pairs = rates.plain.map((plain, index) => 1 - rates.tls[index]! / plain)
  const cost = (value: number): string => `${(value * 100).toFixed(1)} %`
  console.log(`pipelined persistent 1 KiB puts, ${IN_FLIGHT} in flight, ${MESSAGES} per round,`)
  console.log('server in its own process')
  console.log(`plain TCP  msgs/s: ${format(rates.plain)} (median ${p.toFixed(0)})`)
  console.log(`TLS 1.3    msgs/s: ${format(rates.tls)} (median ${t.toFixed(0)})`)
  console.log(`TLS cost per round: ${pairs.map(cost).join(', ')}`)
  console.log(`TLS cost: ${cost(1 - t / p)} less throughput (medians of ${ROUNDS} rounds)`)
  for (const side of ['server', 'client'] as const) {
    const [plainCpu, tlsCpu] = [median(cpu.plain[side]), median(cpu.tls[side])]
    console.log(
      `${side} CPU µs/msg: plain ${plainCpu.toFixed(1)}, TLS ${tlsCpu.toFixed(1)} ` +
        `(${cost(tlsCpu / plainCpu - 1)} more, medians${side === 'server' ? ', queue clears included' : ''})`,
    )
  }
  await server.stop()
  fs.rmSync(directory, { recursive: true, force: true })
}

void main()
