/**
 * Goal: 1,000 concurrent client connections putting and getting persistent messages through one
 * queue manager lose nothing and duplicate nothing. Method: the queue manager and its server run
 * in their own process (bench/core/server-process); here 500 producer connections put uniquely
 * numbered messages, pipelined, while 500 consumer connections get with waits; then every id
 * must have been consumed exactly once and the queue must be empty.
 *   QMQ_SOAK_CONNECTIONS (default 1000), QMQ_SOAK_MESSAGES per producer (default 40).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, Reason, type QueueManagerConnection } from '../../src/index.js'
import { temporaryDirectory } from '../support/temporary-directory.js'

const CONNECTIONS = Number(process.env['QMQ_SOAK_CONNECTIONS'] ?? 1000)
const PER_PRODUCER = Number(process.env['QMQ_SOAK_MESSAGES'] ?? 40)
const directory = temporaryDirectory('soak')
let server: ChildProcess
let connName: string

beforeAll(async () => {
  const entry = fileURLToPath(new URL('../../dist/bench/core/server-process.js', import.meta.url))
  server = spawn(process.execPath, [entry, directory.path], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, QMQ_LOG_LEVEL: 'warn' },
  })
  let output = ''
  server.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  while (!/PORT \d+/.test(output)) {
    if (server.exitCode !== null) throw new Error('server process exited')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  connName = `127.0.0.1(${/PORT (\d+)/.exec(output)![1]})`
})

afterAll(async () => {
  if (server.exitCode === null) {
    server.kill('SIGTERM')
    await once(server, 'exit')
  }
  directory.remove()
})

async function connectAll(count: number): Promise<QueueManagerConnection[]> {
  const connections: QueueManagerConnection[] = []
  // In waves, so the accept backlog never overflows into SYN retries.
  for (let start = 0; start < count; start += 100) {
    const wave = Math.min(100, count - start)
    connections.push(
      ...(await Promise.all(Array.from({ length: wave }, () => connect({ connName })))),
    )
  }
  return connections
}

describe(`soak: ${CONNECTIONS} concurrent connections`, () => {
  it('every message put is got exactly once', async () => {
    const admin = await connect({ connName })
    await admin.admin('DEFINE QLOCAL(SOAK.Q) DEFPSIST(YES) MAXDEPTH(10000000)')
    const producerCount = Math.floor(CONNECTIONS / 2)
    const connections = await connectAll(CONNECTIONS)
    const producers = connections.slice(0, producerCount)
    const consumers = connections.slice(producerCount)
    const total = producerCount * PER_PRODUCER
    const seen = new Map<string, number>()
    let consumed = 0
    const consume = async (connection: QueueManagerConnection): Promise<void> => {
      const queue = await connection.open('SOAK.Q', { input: true })
      while (consumed < total) {
        try {
          const message = await queue.get({ waitMs: 500 })
          const id = Buffer.from(message.body).toString()
          seen.set(id, (seen.get(id) ?? 0) + 1)
          consumed++
        } catch (error) {
          if ((error as { reason?: number }).reason !== Reason.NO_MSG_AVAILABLE) throw error
        }
      }
    }
    const produce = async (connection: QueueManagerConnection, producer: number): Promise<void> => {
      const queue = await connection.open('SOAK.Q', { output: true })
      await Promise.all(
        Array.from({ length: PER_PRODUCER }, (_, index) => queue.put(`p${producer}-m${index}`)),
      )
    }
    await Promise.all([
      ...producers.map((connection, index) => produce(connection, index)),
      ...consumers.map((connection) => consume(connection)),
    ])
    expect(consumed).toBe(total)
    expect(seen.size).toBe(total)
    for (const [id, count] of seen) expect(count, id).toBe(1)
    expect((await admin.query('SOAK.Q')).status.currentDepth).toBe(0)
    await Promise.all([admin, ...connections].map((connection) => connection.close()))
  })
})
