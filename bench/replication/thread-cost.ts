/**
 * What each thread of a 3-member group costs per put, from /proc: CPU (utime + stime), time
 * spent runnable but waiting for a core (schedstat), and times it was scheduled in (wake-ups,
 * roughly). On a shared 2-core machine the wait, not the CPU, is what a replicated put's
 * latency is made of, so this is where a change to the ack path shows first.
 *
 *   node dist/bench/replication/thread-cost.js [--messages N] [--pipelined N] [--inflight N]
 *
 * Threads are named by member (a '*' marks the primary) and thread id, in creation order: main
 * thread first, then V8/libuv helpers, the journal worker, the side-work pool and the
 * replication worker (the last two start last). Linux only.
 */
import fs from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Persistence } from '../../src/queue/types.js'
import { connectToGroup, MemberGroup } from '../../src/replication-group/member-group.js'

type Sample = Map<string, { cpuMs: number; waitMs: number; slices: number }>

function sample(pids: Record<string, number>, primary: string): Sample {
  const out: Sample = new Map()
  for (const [node, pid] of Object.entries(pids)) {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        const sched = fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')
        const ticksMs = 1000 / 100
        out.set(`${node}${node === primary ? '*' : ''} ${tid}`, {
          cpuMs: (Number(fields[11]) + Number(fields[12])) * ticksMs,
          waitMs: Number(sched[1]) / 1e6,
          slices: Number(sched[2]),
        })
      } catch {
        // The thread ended between the listing and the read.
      }
    }
  }
  return out
}

function report(title: string, before: Sample, after: Sample, puts: number): void {
  console.log(`\n${title}: per put (${puts} puts)`)
  console.log('thread            cpu µs   runnable-wait µs   scheduled-in')
  for (const [name, end] of after) {
    const start = before.get(name) ?? { cpuMs: 0, waitMs: 0, slices: 0 }
    const slices = (end.slices - start.slices) / puts
    if (slices < 0.01) continue
    const cpu = ((end.cpuMs - start.cpuMs) * 1000) / puts
    const wait = ((end.waitMs - start.waitMs) * 1000) / puts
    console.log(
      `${name.padEnd(16)} ${cpu.toFixed(0).padStart(7)} ${wait.toFixed(0).padStart(18)}` +
        ` ${slices.toFixed(2).padStart(14)}`,
    )
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string', default: '1000' },
      pipelined: { type: 'string', default: '20000' },
      inflight: { type: 'string', default: '256' },
    },
  })
  const [sequential, pipelined, inFlight] = [
    values.messages,
    values.pipelined,
    values.inflight,
  ].map(Number) as [number, number, number]
  const root = fs.mkdtempSync(join(os.tmpdir(), 'qmq-thread-cost-'))
  process.env['QMQ_LOG_LEVEL'] ??= 'warn'
  const group = new MemberGroup(root, 30_000 + 2 * Math.floor(Math.random() * 5_000), 64 << 20)
  group.startAll()
  try {
    const primary = await group.waitForPrimary(30_000)
    const pids = Object.fromEntries([...group.members].map(([n, m]) => [n, m.child.pid!]))
    const connection = await connectToGroup(group.connName)
    const queue = await connection.open('APP.Q', { output: true })
    const body = Buffer.alloc(1024, 0x71)
    const persistent = { persistence: Persistence.PERSISTENT }
    for (let index = 0; index < 300; index++) await queue.put(body, persistent)
    let before = sample(pids, primary)
    let started = performance.now()
    for (let index = 0; index < sequential; index++) await queue.put(body, persistent)
    const sequentialMs = performance.now() - started
    let after = sample(pids, primary)
    report(
      `sequential, ${(sequentialMs / sequential).toFixed(2)} ms a put`,
      before,
      after,
      sequential,
    )
    before = after
    let issued = 0
    started = performance.now()
    const lane = async (): Promise<void> => {
      while (issued++ < pipelined) await queue.put(body, persistent)
    }
    await Promise.all(Array.from({ length: inFlight }, lane))
    const perSecond = pipelined / ((performance.now() - started) / 1000)
    after = sample(pids, primary)
    report(`${inFlight} in flight, ${Math.round(perSecond)} puts/s`, before, after, pipelined)
    await connection.close()
  } finally {
    await group.stopAll()
    fs.rmSync(root, { recursive: true, force: true })
  }
}

await main()
