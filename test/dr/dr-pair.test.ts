/**
 * Goal: the DR lab, through the commands only: an administrator builds a DR pair, loads it,
 * switches it over as planned, loses the primary to kill -9 and promotes the secondary, sees
 * the old primary come back Partitioned and resolves it, and lives through an outage with
 * out-of-sync data and its resync; every acknowledged message is accounted for at each step
 * (present, got, or among the records the demoted side saved aside, then put back).
 * Method: two qmqd on 127.0.0.1 and 127.0.0.2, each its own QMQ_HOME and QMQ_NODE; crtmqm -rr
 * p prints the crtmqm for the other side, which is run as printed; amqsblst and a client put;
 * rdqmstatus, dspmq and rdqmdr are read as an operator reads them. Every daemon is stopped by
 * its pid (TestNode.dispose); kill -9 uses the pid file.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { connect, type QueueManagerConnection } from '../../src/client/index.js'
import { Persistence } from '../../src/queue/types.js'
import { exited } from '../cli/support.js'
import { countOf } from '../replication-runtime/client-work.js'
import { HaTestNode, groupPorts, statusFields } from '../ha/ha-nodes.js'
import { isMQError, Reason } from '../../src/errors.js'

const QM = 'DRQ'
const QUEUE = 'Q1'
const main = new HaTestNode('a')
const dr = new HaTestNode('b')
const ADDRESS = { a: '127.0.0.1', b: '127.0.0.2' } as const

afterAll(async () => {
  await Promise.all([main.node.dispose(), dr.node.dispose()])
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
  const deadline = Date.now() + 60_000
  for (;;) {
    const fields = await drStatus(node)
    if (fields.get('DR status') === wanted) return fields
    if (Date.now() > deadline) throw new Error(`DR status never ${wanted}: ${[...fields]}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

async function open(listener: number, only?: string): Promise<QueueManagerConnection> {
  const both = `${ADDRESS.a}(${listener}),${ADDRESS.b}(${listener})`
  const connName = only === undefined ? both : `${only}(${listener})`
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

/** Persistent puts of `tags`; returns those acknowledged. */
async function put(listener: number, tags: string[], only?: string): Promise<string[]> {
  const connection = await open(listener, only)
  const queue = await connection.open(QUEUE, { output: true })
  for (const tag of tags) await queue.put(tag, { persistence: Persistence.PERSISTENT })
  await connection.close()
  return tags
}

async function browse(listener: number): Promise<Map<string, number>> {
  const connection = await open(listener)
  const queue = await connection.open(QUEUE, { browse: true })
  const bodies: string[] = []
  for (let first = true; ; first = false) {
    try {
      const message = await queue.get({ browse: first ? 'first' : 'next' })
      bodies.push(new TextDecoder().decode(message.body))
    } catch (error) {
      if (isMQError(error) && error.reason === Reason.NO_MSG_AVAILABLE) break
      throw error
    }
  }
  await connection.close()
  return countOf(bodies)
}

function expectPresent(counts: Map<string, number>, acked: readonly string[]): void {
  const missing = acked.filter((tag) => (counts.get(tag) ?? 0) < 1)
  expect(missing, `acknowledged but missing: ${missing.slice(0, 5).join(', ')}`).toEqual([])
}

async function killDaemon(node: HaTestNode): Promise<void> {
  const pid = node.daemonPid()!
  process.kill(pid, 'SIGKILL')
  expect(await exited(pid, 10_000)).toBe(true)
}

describe('a DR pair driven by the commands', () => {
  it(
    'create, load, planned switch, forced promotion, Partitioned, resolution, outage',
    {
      timeout: 600_000,
    },
    async () => {
      const ports = await groupPorts()
      const drPort = ports.replication
      const listener = ports.listener
      // Create: the primary prints the command to run on the other node, which is run as printed.
      const created = await ok(main, 'crtmqm', [
        '-rr',
        'p',
        '-rt',
        'a',
        '-rl',
        ADDRESS.a,
        '-ri',
        ADDRESS.b,
        '-rn',
        'b',
        '-rp',
        String(drPort),
        '-p',
        String(listener),
        QM,
      ])
      expect(created).toContain("Issue the following command on node 'b' to create the DR")
      const printed = created.split('\n').find((line) => line.startsWith('crtmqm -rr s'))!
      expect(printed).toBe(
        `crtmqm -rr s -rt a -rl ${ADDRESS.b} -ri ${ADDRESS.a} -rn a -rp ${drPort} ` +
          `-p ${listener} ${QM}`,
      )
      expect(await ok(dr, 'crtmqm', printed.split(' ').slice(1))).toContain(
        'secondary queue manager created',
      )
      await ok(main, 'strmqm', [QM])
      const refused = await dr.run('strmqm', [QM])
      expect(refused.code).toBe(5)
      expect(refused.stderr).toContain('AMQ3941E')
      expect(await ok(main, 'dspmq', ['-o', 'dr'])).toContain('DRROLE(Primary)')
      expect(await ok(dr, 'dspmq', ['-o', 'dr'])).toContain('DRROLE(Secondary)')
      const define = await main.node.run('runmqsc', [QM], {
        input: `DEFINE QLOCAL(${QUEUE}) DEFPSIST(YES) MAXDEPTH(999999)\n`,
        env: { QMQ_NODE: 'a' },
      })
      expect(define.code, define.stdout).toBe(0)

      // Load with amqsblst: every acknowledged message present on the secondary after a switch.
      await ok(main, 'amqsblst', [QM, QUEUE, '-W', '-s', '200', '-c', '300'])
      const acked: string[] = []
      await statusUntil(main, 'Normal')
      const fields = await drStatus(main)
      expect(fields.get('DR role')).toBe('Primary')
      expect(fields.get('DR type')).toBe('Asynchronous')
      expect(fields.get('DR port')).toBe(String(drPort))
      expect(fields.get('DR remote IP address')).toBe(ADDRESS.b)

      // Planned switch: endmqm, rdqmdr -s on the primary; rdqmdr -p, strmqm on the other side.
      await ok(main, 'endmqm', ['-i', QM])
      await ok(main, 'rdqmdr', ['-m', QM, '-s'])
      await ok(dr, 'rdqmdr', ['-m', QM, '-p'])
      await ok(dr, 'strmqm', [QM])
      // amqsblst's 300 bodies ("blast message 000000001...", the last one starting with 'B').
      const afterSwitch = await browse(listener)
      const blasts = [...afterSwitch.keys()].filter((body) => /^[bB]last message \d{9}/.test(body))
      expect(new Set(blasts.map((body) => body.slice(14, 23))).size).toBe(300)
      // The other side, now primary, refuses to be promoted away while this one runs.
      const guarded = await main.run('rdqmdr', ['-m', QM, '-p'])
      expect(guarded.code, guarded.stdout + guarded.stderr).not.toBe(0)
      expect(guarded.stderr).toContain('AMQ3943E')

      // Unplanned: puts on b, kill -9 of b's daemon, promotion of a.
      acked.push(...(await put(listener, range('before-kill', 50))))
      await killDaemon(dr)
      await ok(main, 'rdqmdr', ['-m', QM, '-p'])
      await ok(main, 'strmqm', [QM])
      acked.push(...(await put(listener, range('on-a', 30))))

      // b comes back (qmqd start): still primary, so both sides show Partitioned.
      await ok(dr, 'qmqd', ['start'])
      await statusUntil(main, 'Partitioned')
      await statusUntil(dr, 'Partitioned')
      // Split brain: b still serves its own line, and an application puts there.
      expect((await drStatus(dr)).get('Queue manager status')).toBe('Running')
      const onB = await put(listener, range('on-b-partitioned', 20), ADDRESS.b)
      acked.push(...onB)

      // Resolution: keep a's data; b is ended and made secondary; its fork is saved aside.
      await ok(dr, 'endmqm', ['-i', QM])
      await ok(dr, 'rdqmdr', ['-m', QM, '-s'])
      await statusUntil(main, 'Normal')
      const listed = await ok(dr, 'rdqmdr', ['-m', QM, '-l'])
      expect(listed).toMatch(/^\d+ message\(s\) saved aside on this node\./)
      const onA = await browse(listener)
      const saved = await savedBodies(dr)
      const unaccounted = acked.filter((tag) => !onA.has(tag) && !saved.has(tag))
      expect(unaccounted, `neither on a nor saved aside: ${unaccounted.join(', ')}`).toEqual([])
      // What b acknowledged while Partitioned is not on a: it was saved aside, not overwritten.
      for (const tag of onB) expect(saved.has(tag) && !onA.has(tag), tag).toBe(true)
      await ok(dr, 'rdqmdr', ['-m', QM, '-r'])
      expectPresent(await browse(listener), acked)
      expect(await ok(dr, 'rdqmdr', ['-m', QM, '-l'])).toMatch(/^0 message\(s\) saved aside/)

      // Outage: the secondary's node dies; the primary carries on, counting out-of-sync data.
      await killDaemon(dr)
      acked.push(...(await put(listener, range('outage', 40))))
      const outage = await statusUntil(main, 'Remote unavailable')
      expect(outage.get('DR out of sync data')).toMatch(/^[1-9]\d*KB$/)
      await ok(dr, 'qmqd', ['start'])
      const waited = await main.run('rdqmstatus', ['-m', QM, '--wait', 'Normal', '--timeout', '60'])
      expect(waited.code, waited.stdout + waited.stderr).toBe(0)
      expect(waited.stdout).toContain('100.0% Normal')
      // And the resynchronised side has every acknowledged message: switch to it and look.
      await ok(main, 'endmqm', ['-i', QM])
      await ok(main, 'rdqmdr', ['-m', QM, '-s'])
      await ok(dr, 'rdqmdr', ['-m', QM, '-p'])
      await ok(dr, 'strmqm', [QM])
      expectPresent(await browse(listener), acked)
      expect(await ok(dr, 'dspmq', ['-o', 'dr'])).toContain('DRROLE(Primary)')
    },
  )
})

/** The bodies of the messages b saved aside (rdqmdr -l's data, through `qmqd send`). */
async function savedBodies(node: HaTestNode): Promise<Set<string>> {
  const request = JSON.stringify({ queueManager: QM, action: 'list' })
  const text = await ok(node, 'qmqd', ['send', 'rdqmdr', request])
  const response = JSON.parse(text) as { data: { messages: { body: string }[] } }
  return new Set(
    response.data.messages.map((message) => Buffer.from(message.body, 'base64').toString('utf8')),
  )
}

function range(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}-${index}`)
}
