/**
 * Goal: durability under kill -9. Every acknowledged put is present exactly once after restart,
 * every acknowledged get is gone, no message appears that was never put, and a unit of work in
 * flight at the crash survives whole or not at all.
 * Method: a child process (test/crash/fixtures/crash-child.mjs) puts, or gets under syncpoint,
 * as fast as it can, reporting each acknowledged operation; it is killed with SIGKILL at a seeded
 * random moment; the test then opens the queue manager itself, browses everything and checks
 * the model. Rounds alternate put and get and accumulate on one data directory.
 *   QMQ_CRASH_ROUNDS (default 4; `npm run test:crash` runs 50), QMQ_CRASH_SEED to replay.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { QueueManager } from '../../src/queue-manager/queue-manager.js'
import { temporaryDirectory } from '../support/temporary-directory.js'

const ROUNDS = Number(process.env['QMQ_CRASH_ROUNDS'] ?? 4)
const SEED = Number(process.env['QMQ_CRASH_SEED'] ?? Math.floor(Math.random() * 2 ** 31))
const CHILD = fileURLToPath(new URL('./fixtures/crash-child.mjs', import.meta.url))
const directory = temporaryDirectory('crash')
afterAll(() => directory.remove())

/** mulberry32: small, seedable, good enough to place kills. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let value = state
    value = Math.imul(value ^ (value >>> 15), value | 1)
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61)
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296
  }
}

interface ChildReport {
  issuedBound: number
  acknowledgedPuts: number[]
  unitsOfWork: number[][]
  tentativeGets: number[][]
  committedGets: number[][]
}

function parseReport(output: string): ChildReport {
  const report: ChildReport = {
    issuedBound: 0,
    acknowledgedPuts: [],
    unitsOfWork: [],
    tentativeGets: [],
    committedGets: [],
  }
  for (const line of output.split('\n')) {
    const [kind, value] = line.split(' ')
    if (value === undefined) continue
    const ids = value.split(',').map(Number)
    if (kind === 'I') report.issuedBound = Math.max(report.issuedBound, ids[0]!)
    if (kind === 'A') report.acknowledgedPuts.push(...ids)
    if (kind === 'U') report.unitsOfWork.push(ids)
    if (kind === 'T') report.tentativeGets.push(ids)
    if (kind === 'G') report.committedGets.push(ids)
  }
  return report
}

async function runChild(
  mode: 'put' | 'get',
  firstId: number,
  killAfterMs: number,
): Promise<string> {
  const child = spawn(process.execPath, [CHILD, directory.path, mode, String(firstId), '8'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, QMQ_LOG_LEVEL: 'error' },
  })
  let output = ''
  let errors = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()))
  const exited = once(child, 'exit')
  const deadline = Date.now() + 30_000
  while (!output.includes('READY') && Date.now() < deadline && child.exitCode === null) {
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  if (!output.includes('READY')) {
    child.kill('SIGKILL')
    await exited
    throw new Error(`child did not start: ${errors}`)
  }
  await new Promise((resolve) => setTimeout(resolve, killAfterMs))
  expect(child.exitCode, `child died by itself: ${errors}`).toBeNull()
  child.kill('SIGKILL')
  await exited
  return output
}

async function browseIds(): Promise<Map<number, number>> {
  const queueManager = await QueueManager.open({ dataDirectory: directory.path })
  try {
    const counts = new Map<number, number>()
    if (queueManager.engine.listQueues('CRASHQ').length === 0) return counts
    const connection = queueManager.connect()
    const handle = connection.open('CRASHQ', { browse: true })
    for (let browse: 'first' | 'next' = 'first'; ; browse = 'next') {
      let message
      try {
        message = await handle.get({ browse })
      } catch (error) {
        if ((error as { reason?: number }).reason === 2033) break
        throw error
      }
      const id = Number(Buffer.from(message.body).toString().replace(/\.+$/, '').slice(6))
      counts.set(id, (counts.get(id) ?? 0) + 1)
    }
    await connection.close()
    return counts
  } finally {
    await queueManager.close()
  }
}

describe(`kill -9 durability (seed ${SEED}, ${ROUNDS} rounds)`, () => {
  it('loses no acknowledged operation and invents nothing', async () => {
    const next = random(SEED)
    /** Ids known to be on the queue (acknowledged, or found there after a crash). */
    const present = new Set<number>()
    let issuedBound = 0
    const verified = { puts: 0, gets: 0, unitsOfWork: 0 }
    for (let round = 0; round < ROUNDS; round++) {
      const mode = round % 2 === 0 || present.size < 100 ? 'put' : 'get'
      const killAfterMs = 20 + Math.floor(next() * 400)
      const context = `seed ${SEED} round ${round} (${mode}, kill after ${killAfterMs} ms)`
      const report = parseReport(await runChild(mode, issuedBound, killAfterMs))
      issuedBound = Math.max(issuedBound, report.issuedBound)
      for (const id of report.acknowledgedPuts) present.add(id)
      verified.puts += report.acknowledgedPuts.length
      verified.gets += report.committedGets.flat().length
      verified.unitsOfWork += report.unitsOfWork.length + report.tentativeGets.length
      const gotten = new Set(report.committedGets.flat())
      for (const id of gotten) present.delete(id)
      const found = await browseIds()
      for (const [id, count] of found) {
        expect(count, `${context}: id ${id} present ${count} times`).toBe(1)
        expect(id, `${context}: id ${id} was never issued`).toBeLessThan(issuedBound)
        expect(gotten.has(id), `${context}: acknowledged get of ${id} came back`).toBe(false)
      }
      // A get whose commit was under way at the kill may have become durable: its message
      // may be gone, but only if it was announced, and only together with its whole unit.
      const tentative = new Set(report.tentativeGets.flat())
      for (const id of present) {
        if (!tentative.has(id))
          expect(found.has(id), `${context}: acknowledged id ${id} lost`).toBe(true)
      }
      for (const unit of [...report.unitsOfWork, ...report.tentativeGets]) {
        const survivors = unit.filter((id) => found.has(id)).length
        expect([0, unit.length], `${context}: unit of work ${unit} partly survived`).toContain(
          survivors,
        )
      }
      // Unacknowledged operations are now settled facts: adopt what the disk says.
      present.clear()
      for (const id of found.keys()) present.add(id)
    }
    console.log(
      `crash test seed ${SEED}: ${ROUNDS} kill -9 rounds, ${verified.puts} acknowledged puts, ` +
        `${verified.gets} acknowledged gets, ${verified.unitsOfWork} units of work verified`,
    )
    expect(verified.puts).toBeGreaterThan(0)
  }, 600_000)
})
