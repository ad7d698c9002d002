/**
 * Goal: a synchronous DR pair through the commands: after an outage the primary carries on alone
 * (Remote unavailable, out-of-sync data), returns to synchronous by itself once the secondary is
 * back under a steady load (Normal with no operator step, and a put then waits for the
 * secondary again), and a lost secondary node is replaced: a rebuilt node with an empty
 * QMQ_HOME joins through the crtmqm that `rdqmdr -m QM -d` prints and resynchronises fully,
 * through a checkpoint transfer (the primary has retired the log it would need), with progress.
 * Method: two qmqd on 127.0.0.1 and 127.0.0.2 (the rebuilt node a third QMQ_HOME with the old
 * name and address); small segments, checkpoint interval and retention in qmgr.json so the
 * primary retires its log; every acknowledged message is checked on the rebuilt side after a
 * planned switch. Every daemon is stopped by its pid (TestNode.dispose); kill -9 by pid file.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { connect, type QueueManagerConnection } from '../../src/client/index.js'
import { Persistence } from '../../src/queue/types.js'
import { exited } from '../cli/support.js'
import { HaTestNode, groupPorts, statusFields } from '../ha/ha-nodes.js'
import { isMQError, Reason } from '../../src/errors.js'

// The daemons log at info (the rebuilt node's log shows its checkpoint install).
process.env['QMQ_LOG_LEVEL'] = 'info'
const QM = 'DRS'
const QUEUE = 'Q1'
const SYNC_TIMEOUT_MS = 1_000
const main = new HaTestNode('a')
const lost = new HaTestNode('b')
const rebuilt = new HaTestNode('b')
const ADDRESS = { a: '127.0.0.1', b: '127.0.0.2' } as const

afterAll(async () => {
  const keep = process.env['QMQ_TEST_KEEP_LOGS']
  if (keep !== undefined) {
    for (const node of [main, lost, rebuilt]) {
      fs.cpSync(join(node.node.home, 'logs'), join(keep, node.node.home.split('/').pop()!), {
        recursive: true,
        force: true,
      })
    }
  }
  await Promise.all([main.node.dispose(), lost.node.dispose(), rebuilt.node.dispose()])
})

async function ok(node: HaTestNode, command: string, words: string[]): Promise<string> {
  const result = await node.run(command, words)
  expect(result.code, `${command} ${words.join(' ')}: ${result.stdout}${result.stderr}`).toBe(0)
  return result.stdout
}

async function drStatus(node: HaTestNode): Promise<Map<string, string>> {
  return statusFields(await ok(node, 'rdqmstatus', ['-m', QM]))
}

async function statusUntil(node: HaTestNode, wanted: string): Promise<Map<string, string>> {
  const deadline = Date.now() + 90_000
  for (;;) {
    const fields = await drStatus(node)
    if (fields.get('DR status') === wanted) return fields
    if (Date.now() > deadline) throw new Error(`DR status never ${wanted}: ${[...fields]}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function open(listener: number): Promise<QueueManagerConnection> {
  const connName = `${ADDRESS.a}(${listener}),${ADDRESS.b}(${listener})`
  const deadline = Date.now() + 30_000
  for (;;) {
    try {
      return await connect({ connName, queueManager: QM, connectTimeoutMs: 1_000 })
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

async function killDaemon(node: HaTestNode): Promise<void> {
  const pid = node.daemonPid()!
  process.kill(pid, 'SIGKILL')
  expect(await exited(pid, 10_000)).toBe(true)
}

async function browseAll(listener: number): Promise<Set<string>> {
  const connection = await open(listener)
  const queue = await connection.open(QUEUE, { browse: true })
  const bodies = new Set<string>()
  for (let first = true; ; first = false) {
    try {
      const message = await queue.get({ browse: first ? 'first' : 'next' })
      bodies.add(new TextDecoder().decode(message.body))
    } catch (error) {
      if (isMQError(error) && error.reason === Reason.NO_MSG_AVAILABLE) break
      throw error
    }
  }
  await connection.close()
  return bodies
}

async function getAll(listener: number): Promise<number> {
  const connection = await open(listener)
  const queue = await connection.open(QUEUE, { input: true })
  let count = 0
  for (;;) {
    try {
      await queue.get()
      count++
    } catch (error) {
      if (isMQError(error) && error.reason === Reason.NO_MSG_AVAILABLE) break
      throw error
    }
  }
  await connection.close()
  return count
}

/** Persistent puts until `stop()`; acknowledged tags in `acked`. */
function steadyPutter(listener: number, prefix: string) {
  const acked: string[] = []
  let stopping = false
  const done = (async () => {
    const connection = await open(listener)
    const queue = await connection.open(QUEUE, { output: true })
    for (let index = 0; !stopping; index++) {
      const tag = `${prefix}-${index}-${'x'.repeat(2000)}`
      await queue.put(tag, { persistence: Persistence.PERSISTENT })
      acked.push(tag)
    }
    await connection.close()
  })()
  return {
    acked,
    stop: async () => {
      stopping = true
      await done
    },
  }
}

function editDr(node: HaTestNode, changes: Record<string, number>): void {
  const file = join(node.node.home, 'qmgrs', QM, 'qmgr.json')
  const config = JSON.parse(fs.readFileSync(file, 'utf8')) as { dr: Record<string, unknown> }
  config.dr = { ...config.dr, ...changes }
  fs.writeFileSync(file, JSON.stringify(config, null, 2))
}

describe('a synchronous DR pair', () => {
  it(
    'returns to synchronous by itself; a rebuilt node joins and resynchronises',
    {
      timeout: 600_000,
    },
    async () => {
      const ports = await groupPorts()
      const listener = ports.listener
      const created = await ok(main, 'crtmqm', [
        ...['-rr', 'p', '-rt', 's', '-rl', ADDRESS.a, '-ri', ADDRESS.b, '-rn', 'b'],
        ...['-rp', String(ports.replication), '-p', String(listener), '-lf', '64', QM],
      ])
      const printed = created.split('\n').find((line) => line.startsWith('crtmqm -rr s'))!
      await ok(lost, 'crtmqm', printed.split(' ').slice(1))
      editDr(main, { checkpointIntervalBytes: 128 * 1024, retainMaxBytes: 512 * 1024 })
      await ok(main, 'strmqm', [QM])
      const define = await main.node.run('runmqsc', [QM], {
        input: `DEFINE QLOCAL(${QUEUE}) DEFPSIST(YES) MAXDEPTH(999999)\n`,
        env: { QMQ_NODE: 'a' },
      })
      expect(define.code, define.stdout).toBe(0)
      expect((await drStatus(main)).get('DR type')).toBe('Synchronous')
      const acked: string[] = []
      const load = steadyPutter(listener, 'load')
      while (load.acked.length < 1500) await new Promise((resolve) => setTimeout(resolve, 100))
      await load.stop()
      // Got again (accounted for): the log under them can retire, so a rebuilt node later
      // needs a checkpoint rather than the log from its start.
      expect(await getAll(listener)).toBe(load.acked.length)
      const more = steadyPutter(listener, 'more')
      while (more.acked.length < 300) await new Promise((resolve) => setTimeout(resolve, 100))
      await more.stop()
      acked.push(...more.acked)
      await statusUntil(main, 'Normal')

      // Outage: after the timeout the primary carries on alone and counts out-of-sync data.
      await killDaemon(lost)
      const alone = steadyPutter(listener, 'alone')
      const outage = await statusUntil(main, 'Remote unavailable')
      expect(outage.get('DR out of sync data')).toMatch(/^[1-9]\d*KB$/)
      // Back under a steady load: Normal with no operator step while the puts go on.
      await ok(lost, 'qmqd', ['start'])
      await statusUntil(main, 'Normal')
      const before = alone.acked.length
      while (alone.acked.length < before + 50)
        await new Promise((resolve) => setTimeout(resolve, 50))
      await alone.stop()
      acked.push(...alone.acked)
      // Synchronous again: with the secondary gone a put waits for it (the timeout) first.
      await killDaemon(lost)
      const connection = await open(listener)
      const queue = await connection.open(QUEUE, { output: true })
      const started = performance.now()
      await queue.put('after-resync', { persistence: Persistence.PERSISTENT })
      expect(performance.now() - started).toBeGreaterThanOrEqual(SYNC_TIMEOUT_MS * 0.9)
      await connection.close()
      acked.push('after-resync')

      // Node replacement: an empty QMQ_HOME with the old name and address joins through the
      // printed command; the primary has retired the log it would need, so a checkpoint goes.
      const command = await ok(main, 'rdqmdr', ['-m', QM, '-d'])
      expect(command).toContain("Issue the following command on node 'b'")
      const again = command.split('\n').find((line) => line.startsWith('crtmqm -rr s'))!
      expect(await ok(rebuilt, 'crtmqm', again.split(' ').slice(1))).toContain(
        'secondary queue manager created',
      )
      const waited = await main.run('rdqmstatus', [
        '-m',
        QM,
        '--wait',
        'Normal',
        '--timeout',
        '120',
      ])
      expect(waited.code, waited.stdout + waited.stderr).toBe(0)
      expect(waited.stdout).toContain('100.0% Normal')
      const logs = fs.readFileSync(join(rebuilt.node.home, 'logs', 'current.log'), 'utf8')
      expect(logs).toContain('checkpoint installed')

      // Planned switch to the rebuilt side: every acknowledged message is there.
      await ok(main, 'endmqm', ['-i', QM])
      await ok(main, 'rdqmdr', ['-m', QM, '-s'])
      await ok(rebuilt, 'rdqmdr', ['-m', QM, '-p'])
      await ok(rebuilt, 'strmqm', [QM])
      const onRebuilt = await browseAll(listener)
      const missing = acked.filter((tag) => !onRebuilt.has(tag))
      expect(missing.length, `missing on the rebuilt side: ${missing[0]?.slice(0, 20)}`).toBe(0)
    },
  )
})
