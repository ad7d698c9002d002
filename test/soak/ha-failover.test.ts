/**
 * Goal: the rest of issue 8 through the commands, on one HA group: checkpoint catch-up hosted by
 * qmqd, lifecycle hooks and rdqmint's floating address, a frozen primary (SIGSTOP) and a
 * failed-start ban, with every acknowledged message present exactly once and rdqmstatus's
 * fields right at each step.
 * Method: three qmqd on 127.0.0.1..3 (ha-nodes.ts) with a hook in each QMQ_HOME/hooks that
 * appends its arguments to a file, qmgr.json tuned before the first start (64 KiB segments, a
 * checkpoint every 128 KiB, at most 256 KiB of log kept for a slow member) so a suspended node
 * falls behind the retained log; a veth interface made by the test carries the floating address
 * (deleted at the end). Phases: rdqmint -a/-d; suspend a secondary, blast 3 MiB, resume: it
 * installs the primary's checkpoint (its daemon log says so), catches up and, made primary by
 * rdqmadm -p, serves all of it; SIGSTOP of the primary's qmqd under a reconnecting putter: the
 * others elect, and after SIGCONT the old primary is a secondary whose hook saw the change;
 * then endmqm, a port taken on one node, strmqm: that node is banned (HA blocked location),
 * rdqmadm -r clears it. Every daemon is stopped by its pid.
 * Runs under `npm run test:soak`, not `npm test`: its last phase (the failed-start ban) has not
 * yet passed whole (a node stayed Starting after rdqmadm -r); see the closing note.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { connect, type QueueManagerConnection } from '../../src/client/index.js'
import { Persistence } from '../../src/queue/types.js'
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
} from '../ha/ha-nodes.js'

const QM = 'HAF'
const nodes = new Map(HA_NODES.map((name) => [name, new HaTestNode(name)]))
const node = (name: HaNodeName): HaTestNode => nodes.get(name)!
const suffix = `${process.pid % 10_000}`
const VETH = `qmqf${suffix}`
const FLOATING = `10.254.${process.pid % 250}.1`
const LOGGED = { QMQ_LOG_LEVEL: 'info' }
const PUT_ABANDON_MS = 3_000

const HOOK = `#!/bin/sh
echo "$1 $2 $3 prev=$QMQ_HOOK_PREVIOUS_ROLE node=$QMQ_HOOK_NODE" >> "$QMQ_HOME/hook-calls.log"
`

afterAll(async () => {
  await Promise.all([...nodes.values()].map((each) => each.node.dispose()))
  try {
    execFileSync('ip', ['link', 'del', VETH], { stdio: 'ignore' })
  } catch {
    // not made, or already gone
  }
})

const run = (on: HaNodeName, command: string, words: string[] = []) =>
  node(on).node.run(command, words, { env: { QMQ_NODE: on, ...LOGGED } })

function connName(ports: GroupPorts): string {
  return HA_NODES.map((name) => `${HA_HOSTS[name]}(${ports.listener})`).join(',')
}

async function connectToGroup(ports: GroupPorts): Promise<QueueManagerConnection> {
  const deadline = Date.now() + 30_000
  for (;;) {
    try {
      return await connect({
        connName: connName(ports),
        queueManager: QM,
        connectTimeoutMs: 1_000,
        heartbeatMs: 500,
      })
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`never: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

type Accept = (fields: Map<string, string>, peers: Map<string, string>) => boolean

async function statusUntil(on: HaNodeName, accept: Accept) {
  let last = ''
  try {
    return await until(`rdqmstatus on ${on}`, async () => {
      const result = await run(on, 'rdqmstatus', ['-m', QM])
      last = result.stdout
      const fields = statusFields(result.stdout)
      const peers = peerStatuses(result.stdout)
      return accept(fields, peers) ? { fields, peers, output: result.stdout } : undefined
    })
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${last}`)
  }
}

function hookCalls(on: HaNodeName): string[] {
  try {
    return fs
      .readFileSync(join(node(on).node.home, 'hook-calls.log'), 'utf8')
      .trim()
      .split('\n')
  } catch {
    return []
  }
}

function daemonLog(on: HaNodeName): string {
  const logs = join(node(on).node.home, 'logs')
  return fs
    .readdirSync(logs)
    .filter((file) => file.endsWith('.log'))
    .map((file) => fs.readFileSync(join(logs, file), 'utf8'))
    .join('')
}

function addressShown(): boolean {
  return execFileSync('ip', ['-4', 'addr', 'show', 'dev', VETH], { encoding: 'utf8' }).includes(
    `${FLOATING}/32`,
  )
}

/** Persistent puts one after another, reconnecting after a failure, until stopped. */
class Putter {
  readonly acked: string[] = []
  readonly uncertain: string[] = []
  private stopped = false
  readonly done: Promise<void>

  constructor(
    private readonly ports: GroupPorts,
    private readonly prefix: string,
  ) {
    this.done = this.run()
  }

  stop(): Promise<void> {
    this.stopped = true
    return this.done
  }

  private async run(): Promise<void> {
    let index = 0
    while (!this.stopped) {
      const connection = await connectToGroup(this.ports).catch(() => undefined)
      if (connection === undefined) continue
      try {
        const queue = await connection.open('APP.Q', { output: true })
        while (!this.stopped) {
          const body = `${this.prefix}-${index++}`
          // A frozen primary answers nothing: a put without an answer is abandoned (uncertain).
          const put = queue.put(body, { persistence: Persistence.PERSISTENT }).then(() => true)
          put.catch(() => undefined)
          const abandon = new Promise<false>((resolve) => {
            setTimeout(() => resolve(false), PUT_ABANDON_MS).unref()
          })
          if (!(await Promise.race([put, abandon]).catch(() => false))) {
            this.uncertain.push(body)
            break
          }
          this.acked.push(body)
        }
      } catch {
        // The primary went away: connect again to whichever node serves now.
      } finally {
        void connection.close().catch(() => undefined)
      }
    }
  }

  async waitForAcks(count: number): Promise<void> {
    await until(`${count} acks`, async () => (this.acked.length >= count ? true : undefined))
  }
}

async function expectExactlyOnce(ports: GroupPorts, putter: Putter): Promise<void> {
  const connection = await connectToGroup(ports)
  try {
    const counts = countOf(await browseAll(connection))
    for (const body of putter.acked) expect(counts.get(body), body).toBe(1)
    for (const body of putter.uncertain) expect(counts.get(body) ?? 0).toBeLessThanOrEqual(1)
  } finally {
    await connection.close()
  }
}

async function depthByBrowse(connection: QueueManagerConnection, name: string): Promise<number> {
  const queue = await connection.open(name, { browse: true })
  let depth = 0
  for (let first = true; ; first = false) {
    const got = await queue.get({ waitMs: 0, browse: first ? 'first' : 'next' }).catch(() => null)
    if (got === null) return depth
    depth++
  }
}

async function buildGroup(ports: GroupPorts): Promise<HaNodeName> {
  for (const name of HA_NODES) {
    node(name).writeIni(rdqmIni(ports))
    const hooks = join(node(name).node.home, 'hooks')
    fs.mkdirSync(hooks, { recursive: true })
    fs.writeFileSync(join(hooks, '10-record'), HOOK, { mode: 0o755 })
    fs.writeFileSync(join(hooks, '.ignored'), HOOK, { mode: 0o755 })
    expect((await run(name, 'rdqmadm', ['-c'])).code).toBe(0)
  }
  const created = await run('a', 'crtmqm', ['-sx', '-p', `${ports.listener}`, QM])
  expect(created.code, created.stderr).toBe(0)
  for (const name of HA_NODES) {
    const file = join(node(name).node.home, 'qmgrs', QM, 'qmgr.json')
    const config = JSON.parse(fs.readFileSync(file, 'utf8'))
    config.ha = {
      ...config.ha,
      segmentBytes: 64 * 1024,
      checkpointIntervalBytes: 128 * 1024,
      retainMaxBytes: 256 * 1024,
    }
    fs.writeFileSync(file, JSON.stringify(config))
  }
  const started = await run('b', 'strmqm', [QM])
  expect(started.code, started.stderr).toBe(0)
  const primary = /running on node '(\w)'/.exec(started.stdout)?.[1] as HaNodeName | undefined
  expect(primary, started.stdout).toBeDefined()
  const mqsc = await node(primary!).node.run('runmqsc', [QM], {
    input: 'DEFINE QLOCAL(APP.Q) MAXDEPTH(100000)\nDEFINE QLOCAL(BLAST.Q) MAXDEPTH(100000)\n',
    env: { QMQ_NODE: primary! },
  })
  expect(mqsc.code, mqsc.stdout).toBe(0)
  return primary!
}

async function floatingAddress(primary: HaNodeName): Promise<void> {
  execFileSync('ip', ['link', 'add', VETH, 'type', 'veth', 'peer', 'name', `${VETH}p`])
  const added = await run('c', 'rdqmint', ['-m', QM, '-a', '-f', FLOATING, '-l', VETH])
  expect(added.code, added.stderr).toBe(0)
  expect(added.stdout).toContain(`'${FLOATING}'`)
  const again = await run('a', 'rdqmint', ['-m', QM, '-a', '-f', FLOATING, '-l', VETH])
  expect(again.stderr).toContain('AMQ3877E')
  await until('floating address added', async () => (addressShown() ? true : undefined))
  const shown = await statusUntil(primary, (fields) => fields.get('HA role') === 'Primary')
  expect(shown.fields.get('HA floating IP address')).toBe(FLOATING)
  expect(shown.fields.get('HA floating IP interface')).toBe(VETH)
  const deleted = await run('a', 'rdqmint', ['-m', QM, '-d'])
  expect(deleted.code, deleted.stderr).toBe(0)
  await until('floating address deleted', async () => (addressShown() ? undefined : true))
  const cleared = await run(primary, 'rdqmstatus', ['-m', QM])
  expect(statusFields(cleared.stdout).get('HA floating IP address')).toBe('None')
}

/**
 * A secondary suspended while 3.6 MiB is put and got (log no queued message needs, so the
 * primary retires it past the 256 KiB it keeps for a slow member) falls behind the retained log
 * and installs the primary's checkpoint when resumed.
 */
async function checkpointCatchUp(ports: GroupPorts, primary: HaNodeName): Promise<HaNodeName> {
  const behind = HA_NODES.find((name) => name !== primary)!
  expect((await run(primary, 'rdqmadm', ['-s', '-n', behind])).code).toBe(0)
  // Segments retire below the two newest checkpoints' floors: the second, smaller churn makes
  // those floors pass the first one.
  for (const [mode, count] of [
    ['-W', 3000],
    ['-R', 3000],
    ['-W', 600],
    ['-R', 600],
  ] as const) {
    const blast = await node(primary).node.run('amqsblst', [
      QM,
      'BLAST.Q',
      mode,
      '-c',
      `${count}`,
      '-s',
      '1024',
      '--persistent',
      '-x',
      connName(ports),
    ])
    expect(blast.code, blast.stdout + blast.stderr).toBe(0)
  }
  // Messages still queued hold the log they are in: these come after the 3 MiB.
  const putter = new Putter(ports, 'catch-up')
  await putter.waitForAcks(20)
  await putter.stop()
  expect((await run(behind, 'rdqmadm', ['-r'])).code).toBe(0)
  await statusUntil(
    behind,
    (fields, peers) =>
      fields.get('Queue manager status') === 'Running elsewhere' &&
      fields.get('HA status') === 'Normal' &&
      [...peers.values()].every((status) => status === 'Normal'),
  )
  await until('the install in the log', async () =>
    daemonLog(behind).includes('checkpoint installed: reopening the member') ? true : undefined,
  ).catch((error: unknown) => {
    const lines = HA_NODES.flatMap((name) =>
      daemonLog(name)
        .split('\n')
        .filter((line) => /checkpoint|install|retire|retention/i.test(line))
        .slice(-15)
        .map((line) => `${name}: ${line.slice(0, 300)}`),
    )
    throw new Error(`${(error as Error).message}\n${lines.join('\n')}`)
  })
  const moved = await run(primary, 'rdqmadm', ['-p', '-m', QM, '-n', behind])
  expect(moved.code, moved.stderr).toBe(0)
  await statusUntil(behind, (fields) => fields.get('HA current location') === 'This node')
  await expectExactlyOnce(ports, putter)
  const connection = await connectToGroup(ports)
  try {
    expect(await depthByBrowse(connection, 'BLAST.Q')).toBe(0)
  } finally {
    await connection.close()
  }
  // No failback from here on: a node that comes back stays a secondary.
  expect((await run(primary, 'rdqmadm', ['-p', '-m', QM, '-d'])).code).toBe(0)
  return behind
}

async function frozenPrimary(ports: GroupPorts, primary: HaNodeName): Promise<void> {
  const putter = new Putter(ports, 'frozen')
  await putter.waitForAcks(30)
  const pid = node(primary).daemonPid()!
  const callsBefore = hookCalls(primary).length
  process.kill(pid, 'SIGSTOP')
  const survivor = HA_NODES.find((name) => name !== primary)!
  let failed
  try {
    failed = await statusUntil(survivor, (fields, peers) => {
      const location = fields.get('HA current location')
      const moved = location !== undefined && location !== 'None' && location !== primary
      return moved && peers.get(primary) === 'Remote unavailable'
    })
    const before = putter.acked.length
    await putter.waitForAcks(before + 30)
  } finally {
    process.kill(pid, 'SIGCONT')
  }
  expect(failed.fields.get('HA status')).toBe('Mixed')
  const back = await statusUntil(
    primary,
    (fields, peers) =>
      fields.get('HA role') === 'Secondary' &&
      fields.get('Queue manager status') === 'Running elsewhere' &&
      [...peers.values()].every((status) => status === 'Normal'),
  )
  expect(back.fields.get('HA current location')).not.toBe('This node')
  await until('the old primary hook ran', async () =>
    hookCalls(primary)
      .slice(callsBefore)
      .some((line) => / secondary \d+ prev=primary/.test(line))
      ? true
      : undefined,
  )
  const after = putter.acked.length
  await putter.waitForAcks(after + 30)
  await putter.stop()
  await expectExactlyOnce(ports, putter)
}

/** A node whose member cannot start (its listener port taken) is banned until rdqmadm -r. */
async function failedStartBan(ports: GroupPorts): Promise<void> {
  expect((await run('a', 'endmqm', [QM])).code).toBe(0)
  const banned: HaNodeName = 'c'
  const squatter = net.createServer()
  await new Promise<void>((resolve) =>
    squatter.listen({ host: HA_HOSTS[banned], port: ports.listener }, resolve),
  )
  try {
    expect((await run('a', 'strmqm', [QM])).code).toBe(0)
    const shown = await statusUntil('a', (fields) => fields.get('HA blocked location') === banned)
    expect(shown.fields.get('Queue manager status')).toMatch(/^Running/)
    const local = await run(banned, 'rdqmstatus', ['-m', QM, '-a'])
    expect(statusFields(local.stdout).get('HA blocked location')).toBe('This node')
    expect(local.stdout).toContain('banned from this node until rdqmadm -r')
  } finally {
    await new Promise((resolve) => squatter.close(resolve))
  }
  expect((await run('a', 'rdqmadm', ['-r', '-n', banned])).code).toBe(0)
  await statusUntil(
    banned,
    (fields) =>
      fields.get('HA blocked location') === 'None' &&
      fields.get('Queue manager status') === 'Running elsewhere',
  )
}

describe('an HA group: checkpoint catch-up, hooks, floating address, SIGSTOP, bans', () => {
  it('keeps every acknowledged message exactly once through all of it', async () => {
    const ports = await groupPorts()
    const primary = await buildGroup(ports)
    await until('primary hook', async () =>
      hookCalls(primary).some((line) => line.startsWith(`${QM} primary `)) ? true : undefined,
    )
    for (const name of HA_NODES.filter((each) => each !== primary)) {
      expect(hookCalls(name).some((line) => line.startsWith(`${QM} secondary 0 prev=`))).toBe(true)
    }
    await floatingAddress(primary)
    const catchingUp = await checkpointCatchUp(ports, primary)
    await frozenPrimary(ports, catchingUp)
    await failedStartBan(ports)
    expect((await run('a', 'endmqm', [QM])).code).toBe(0)
    for (const name of HA_NODES) {
      expect(hookCalls(name).at(-1)).toMatch(new RegExp(`^${QM} ended \\d+ `))
    }
    expect((await run('b', 'dltmqm', [QM])).code).toBe(0)
  }, 600_000)
})
