/**
 * The loopback reference for the TCP benchmark: one request of `bytes` at a time to the echo
 * process (echo-process.ts) and back, the floor under any sequential request over TCP here.
 */
import net from 'node:net'
import { once } from 'node:events'
import { nowMicros, summarize, type LatencySummary } from './samples.js'

export async function measureLoopbackEcho(
  port: number,
  bytes: number,
  iterations: number,
): Promise<LatencySummary> {
  const socket = net.connect({ host: '127.0.0.1', port, noDelay: true })
  await once(socket, 'connect')
  const payload = Buffer.alloc(bytes, 0x65)
  const samples = new Float64Array(iterations)
  let received = 0
  let index = 0
  let started = 0
  let finish!: () => void
  const done = new Promise<void>((resolve) => (finish = resolve))
  const send = (): void => {
    started = nowMicros()
    socket.write(payload)
  }
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length
    if (received < bytes) return
    received -= bytes
    samples[index++] = nowMicros() - started
    if (index === iterations) finish()
    else send()
  })
  send()
  await done
  socket.destroy()
  return summarize(samples)
}
