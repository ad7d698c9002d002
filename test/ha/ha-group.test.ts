/**
 * Goal: an administrator builds and runs a three-node HA group with the commands alone, and it
 * survives the loss of its primary's daemon with every acknowledged message present exactly once.
 * Method: three qmqd on 127.0.0.1..3 with the same ports, each its own QMQ_HOME and QMQ_NODE
 * (ha-nodes.ts): rdqmadm -c on each, crtmqm -sx, strmqm, load with amqsblst and a client through
 * a connection-name list, kill -9 of the primary's qmqd (pid from its pid file) while the client
 * puts, failover, `qmqd start` takes the node back as a secondary; rdqmstatus and dspmq fields
 * checked at each stage; endmqm, dltmqm and rdqmadm -u tidy up. Then the same group again for
 * placement: rdqmadm -p moves the queue manager to its preferred node (switchover), rdqmadm -s
 * moves it away from a suspended node, rdqmadm -r brings it back (failback), while a client puts;
 * every acknowledged message is there exactly once. Every daemon is stopped by pid.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { connect, type QueueManagerConnection } from '../../src/client/index.js'
import { Persistence } from '../../src/queue/types.js'
import { exited, statusOf } from '../cli/support.js'
import { browseAll, countOf } from '../replication-runtime/client-work.js'
import {
  HA_HOSTS,
  HA_NODES,
  HaTestNode,
  groupPorts,
  peerStatuses,
  rdqmIni,
  statusFields,
  type GroupPorts,
  type HaNodeName,
} from './ha-nodes.js'

const QM = 'HAQ'
const nodes = new Map(HA_NODES.map((name) => [name, new HaTestNode(name)]))
const node = (name: HaNodeName): HaTestNode => nodes.get(name)!

afterAll(async () => {
  await Promise.all([...nodes.values()].map((each) => each.node.dispose()))
})

function connName(ports: GroupPorts): string {
  return HA_NODES.map((name) => `${HA_HOSTS[name]}(${ports.listener})`).join(',')
}

async function connectToGroup(ports: GroupPorts): Promise<QueueManagerConnection> {
  const deadline = Date.now() + 30_000
  for (;;) {
    try {
      return await connect({ connName: connName(ports), queueManager: QM, connectTimeoutMs: 1_000 })
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

async function mqsc(on: HaNodeName, text: string): Promise<void> {
  const result = await node(on).node.run('runmqsc', [QM], { input: text, env: { QMQ_NODE: on } })
  expect(result.code, result.stdout + result.stderr).toBe(0)
}

/** rdqmstatus -m QM on `on`, polled until `accept` says yes (the group settles in its time). */
async function statusUntil(
  on: HaNodeName,
  accept: (fields: Map<string, string>, peers: Map<string, string>) => boolean,
): Promise<{ fields: Map<string, string>; peers: Map<string, string>; output: string }> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const result = await node(on).run('rdqmstatus', ['-m', QM])
    expect(result.code, result.stderr).toBe(0)
    const fields = statusFields(result.stdout)
    const peers = peerStatuses(result.stdout)
    if (accept(fields, peers)) return { fields, peers, output: result.stdout }
    if (Date.now() > deadline)
      throw new Error(`rdqmstatus on ${on} never settled:\n${result.stdout}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** Persistent puts one after another, reconnecting after a failure, until stopped. */
class Putter {
  readonly acked: string[] = []
  readonly uncertain: string[] = []
  private stopped = false
  readonly done: Promise<void>

  constructor(private readonly ports: GroupPorts) {
    this.done = this.run()
  }

  stop(): Promise<void> {
    this.stopped = true
    return this.done
  }

  private async run(): Promise<void> {
    let index = 0
    while (!this.stopped) {
      const connection = await connectToGroup(this.ports)
      try {
        const queue = await connection.open('APP.Q', { output: true })
        while (!this.stopped) {
          const body = `m-${index++}`
          try {
            await queue.put(body, { persistence: Persistence.PERSISTENT })
          } catch (error) {
            this.uncertain.push(body)
            throw error
          }
          this.acked.push(body)
        }
      } catch {
        // The primary went away: connect again to whichever node serves now.
      } finally {
        await connection.close().catch(() => undefined)
      }
    }
  }

  async waitForAcks(count: number): Promise<void> {
    const deadline = Date.now() + 60_000
    while (this.acked.length < count) {
      if (Date.now() > deadline) throw new Error(`only ${this.acked.length} of ${count} acked`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
}

async function buildGroup(ports: GroupPorts): Promise<HaNodeName> {
  for (const name of HA_NODES) node(name).writeIni(rdqmIni(ports))
  for (const name of HA_NODES) {
    const joined = await node(name).run('rdqmadm', ['-c'])
    expect(joined.code, joined.stderr).toBe(0)
    expect(joined.stdout).toContain(`configured on this node ('${name}')`)
  }
  const again = await node('a').run('rdqmadm', ['-c'])
  expect(again.stdout).toContain("already configured on this node ('a')")
  node('a').writeIni(rdqmIni(ports).replace('127.0.0.3', '127.0.0.9'))
  const other = await node('a').run('rdqmadm', ['-c'])
  expect(other.code).toBe(71)
  expect(other.stderr).toContain('AMQ3983E')
  node('a').writeIni(rdqmIni(ports))

  const created = await node('a').run('crtmqm', [
    '-sx',
    '-p',
    `${ports.listener}`,
    '-lf',
    '2049',
    QM,
  ])
  expect(created.code, created.stderr).toBe(0)
  expect(created.stdout).toContain("Secondary queue manager created on 'b'.")
  expect(created.stdout).toContain("Secondary queue manager created on 'c'.")
  expect(created.stdout).toContain(`Replication port ${ports.replication} assigned`)
  const leave = await node('b').run('rdqmadm', ['-u'])
  expect(leave.code).toBe(71)
  expect(leave.stderr).toContain('AMQ3984E')

  const started = await node('c').run('strmqm', [QM])
  expect(started.code, started.stderr).toBe(0)
  const primary = /running on node '(\w)'/.exec(started.stdout)?.[1] as HaNodeName | undefined
  expect(primary, started.stdout).toBeDefined()
  return primary!
}

async function expectDspmq(primary: HaNodeName): Promise<void> {
  for (const name of HA_NODES) {
    const shown = await node(name).run('dspmq', ['-o', 'ha'])
    const expected = name === primary ? 'Running' : 'Running elsewhere'
    expect(statusOf(shown.stdout, QM), `${name}: ${shown.stdout}`).toBe(expected)
    expect(shown.stdout).toContain('HA(Replicated)')
  }
}

describe('an HA group built and run with the commands', () => {
  it('fails over when the primary daemon is killed and takes the node back', async () => {
    const ports = await groupPorts()
    const primary = await buildGroup(ports)
    await expectDspmq(primary)
    await mqsc(primary, 'DEFINE QLOCAL(APP.Q) MAXDEPTH(100000)\nDEFINE QLOCAL(BLAST.Q)\n')
    const blast = await node(primary).node.run('amqsblst', [
      QM,
      'BLAST.Q',
      '-W',
      '-c',
      '200',
      '-s',
      '256',
      '--persistent',
      '-x',
      connName(ports),
    ])
    expect(blast.code, blast.stdout + blast.stderr).toBe(0)

    const putter = new Putter(ports)
    await putter.waitForAcks(50)
    const pid = node(primary).daemonPid()!
    process.kill(pid, 'SIGKILL')
    expect(await exited(pid, 10_000)).toBe(true)
    const before = putter.acked.length
    await putter.waitForAcks(before + 50)
    await putter.stop()

    const survivor = HA_NODES.find((name) => name !== primary)!
    const failed = await statusUntil(survivor, (fields) => {
      const location = fields.get('HA current location')
      return location !== undefined && location !== 'None' && location !== primary
    })
    expect(failed.peers.get(primary)).toBe('Remote unavailable')
    expect(failed.fields.get('HA status')).toBe('Mixed')

    const connection = await connectToGroup(ports)
    try {
      const counts = countOf(await browseAll(connection))
      for (const body of putter.acked) expect(counts.get(body), body).toBe(1)
      for (const body of putter.uncertain) expect(counts.get(body) ?? 0).toBeLessThanOrEqual(1)
      const known = new Set([...putter.acked, ...putter.uncertain])
      expect([...counts.keys()].filter((body) => !known.has(body))).toEqual([])
      const blasted = await connection.open('BLAST.Q', { browse: true })
      let depth = 0
      for (let first = true; ; first = false) {
        const got = await blasted
          .get({ waitMs: 0, browse: first ? 'first' : 'next' })
          .catch(() => undefined)
        if (got === undefined) break
        depth++
      }
      expect(depth).toBe(200)
    } finally {
      await connection.close()
    }

    const restarted = await node(primary).run('qmqd', ['start'])
    expect(restarted.code, restarted.stderr).toBe(0)
    const back = await statusUntil(
      primary,
      (fields, peers) =>
        fields.get('Queue manager status') === 'Running elsewhere' &&
        [...peers.values()].every((status) => status === 'Normal'),
    )
    expect(back.fields.get('HA role')).toBe('Secondary')
    expect(back.fields.get('HA control')).toBe('Enabled')
    expect(back.fields.get('HA current location')).not.toBe('This node')
    expect(back.fields.get('HA blocked location')).toBe('None')
    const online = await node(primary).run('rdqmstatus', ['-n'])
    for (const name of HA_NODES) expect(online.stdout).toContain(`Node ${name} is online`)
    const json = await node(primary).run('rdqmstatus', ['-m', QM, '--json'])
    expect(JSON.parse(json.stdout)).toMatchObject({ queueManager: QM, haControl: 'Enabled' })

    const refused = await node(primary).run('dltmqm', [QM])
    expect(refused.code).toBe(5)
    const ended = await node(primary).run('endmqm', [QM])
    expect(ended.code, ended.stderr).toBe(0)
    expect(ended.stdout).toContain('Replicated data queue manager disabled.')
    for (const name of HA_NODES) {
      const shown = await node(name).run('dspmq')
      expect(statusOf(shown.stdout, QM)).toBe('Ended normally')
    }
    const deleted = await node('b').run('dltmqm', [QM])
    expect(deleted.code, deleted.stderr).toBe(0)
    for (const name of HA_NODES) {
      expect((await node(name).run('dspmq')).stdout).not.toContain(QM)
      const left = await node(name).run('rdqmadm', ['-u'])
      expect(left.code, left.stderr).toBe(0)
    }
  }, 300_000)

  it('moves to its preferred node, away from a suspended one and back on resume', async () => {
    const ports = await groupPorts()
    const primary = await buildGroup(ports)
    await mqsc(primary, 'DEFINE QLOCAL(APP.Q) MAXDEPTH(100000)\n')
    const putter = new Putter(ports)
    await putter.waitForAcks(20)
    const target = HA_NODES.find((name) => name !== primary)!
    const other = HA_NODES.find((name) => name !== primary && name !== target)!

    const set = await node(other).run('rdqmadm', ['-p', '-m', QM, '-n', target])
    expect(set.code, set.stderr).toBe(0)
    expect(set.stdout).toContain(`has been set to '${target}'`)
    await statusUntil(target, (fields) => fields.get('HA current location') === 'This node')
    const preferred = await statusUntil(
      other,
      (fields) => fields.get('HA current location') === target,
    )
    expect(preferred.fields.get('HA preferred location')).toBe(target)

    const suspended = await node(other).run('rdqmadm', ['-s', '-n', target])
    expect(suspended.code, suspended.stderr).toBe(0)
    expect(suspended.stdout).toContain(`The replicated data node '${target}' has been suspended.`)
    const away = await statusUntil(other, (fields, peers) => {
      const location = fields.get('HA current location')
      return (
        location !== target && location !== 'None' && peers.get(target) === 'Remote node in standby'
      )
    })
    expect(away.fields.get('Queue manager status')).toMatch(/^Running/)
    const standby = await node(target).run('rdqmstatus', ['-m', QM])
    expect(statusFields(standby.stdout).get('HA status')).toBe('This node in standby')
    const before = putter.acked.length
    await putter.waitForAcks(before + 20)

    const resumed = await node(target).run('rdqmadm', ['-r'])
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(resumed.stdout).toContain(`The replicated data node '${target}' has been resumed.`)
    await statusUntil(target, (fields) => fields.get('HA current location') === 'This node')
    const after = putter.acked.length
    await putter.waitForAcks(after + 20)
    await putter.stop()

    const connection = await connectToGroup(ports)
    try {
      const counts = countOf(await browseAll(connection))
      for (const body of putter.acked) expect(counts.get(body), body).toBe(1)
      for (const body of putter.uncertain) expect(counts.get(body) ?? 0).toBeLessThanOrEqual(1)
    } finally {
      await connection.close()
    }
    const cleared = await node(primary).run('rdqmadm', ['-p', '-m', QM, '-d'])
    expect(cleared.stdout).toContain('has been unset')
    expect((await node(primary).run('endmqm', ['-i', QM])).code).toBe(0)
    expect((await node(primary).run('dltmqm', [QM])).code).toBe(0)
    for (const name of HA_NODES) expect((await node(name).run('rdqmadm', ['-u'])).code).toBe(0)
  }, 300_000)
})
