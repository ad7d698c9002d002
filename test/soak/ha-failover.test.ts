/**
 * Goal: the long parts of issue 8's failover proofs through the commands, on one HA group:
 * lifecycle hooks and rdqmint's floating address, and checkpoint catch-up hosted by qmqd, with
 * every acknowledged message present exactly once and rdqmstatus's fields right at each step.
 * Method: three qmqd on 127.0.0.1..3 built by failover-group.ts (a recording hook in each
 * QMQ_HOME/hooks; 64 KiB segments, a checkpoint every 128 KiB, at most 256 KiB of log kept for
 * a slow member, so a suspended node falls behind the retained log); a veth interface made by
 * the test carries the floating address (deleted at the end). Phases: rdqmint -a/-d; suspend a
 * secondary, blast 3.6 MiB, resume: it installs the primary's checkpoint (its daemon log says
 * so), catches up and, made primary by rdqmadm -p, serves all of it. Every daemon is stopped by
 * its pid. The SIGSTOP and failed-start ban phases run in npm test (test/ha/ha-failover.test.ts).
 */
import { execFileSync } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import type { QueueManagerConnection } from '../../src/client/index.js'
import { FailoverGroup, Putter, until } from '../ha/failover-group.js'
import { HA_NODES, groupPorts, statusFields, type HaNodeName } from '../ha/ha-nodes.js'

const QM = 'HAF'
const suffix = `${process.pid}`
const VETH = `qmqf${suffix}`
const FLOATING = `10.254.${process.pid % 250}.1`
let group: FailoverGroup

afterAll(async () => {
  await group?.dispose()
  try {
    execFileSync('ip', ['link', 'del', VETH], { stdio: 'ignore' })
  } catch {
    // not made, or already gone
  }
})

function addressShown(): boolean {
  return execFileSync('ip', ['-4', 'addr', 'show', 'dev', VETH], { encoding: 'utf8' }).includes(
    `${FLOATING}/32`,
  )
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

async function floatingAddress(group: FailoverGroup, primary: HaNodeName): Promise<void> {
  execFileSync('ip', ['link', 'add', VETH, 'type', 'veth', 'peer', 'name', `${VETH}p`])
  const added = await group.run('c', 'rdqmint', ['-m', QM, '-a', '-f', FLOATING, '-l', VETH])
  expect(added.code, added.stderr).toBe(0)
  expect(added.stdout).toContain(`'${FLOATING}'`)
  const again = await group.run('a', 'rdqmint', ['-m', QM, '-a', '-f', FLOATING, '-l', VETH])
  expect(again.stderr).toContain('AMQ3877E')
  await until('floating address added', async () => (addressShown() ? true : undefined))
  const shown = await group.statusUntil(primary, (fields) => fields.get('HA role') === 'Primary')
  expect(shown.fields.get('HA floating IP address')).toBe(FLOATING)
  expect(shown.fields.get('HA floating IP interface')).toBe(VETH)
  const deleted = await group.run('a', 'rdqmint', ['-m', QM, '-d'])
  expect(deleted.code, deleted.stderr).toBe(0)
  await until('floating address deleted', async () => (addressShown() ? undefined : true))
  const cleared = await group.run(primary, 'rdqmstatus', ['-m', QM])
  expect(statusFields(cleared.stdout).get('HA floating IP address')).toBe('None')
}

/**
 * A secondary suspended while 3.6 MiB is put and got (log no queued message needs, so the
 * primary retires it past the 256 KiB it keeps for a slow member) falls behind the retained log
 * and installs the primary's checkpoint when resumed.
 */
async function checkpointCatchUp(group: FailoverGroup, primary: HaNodeName): Promise<HaNodeName> {
  const behind = HA_NODES.find((name) => name !== primary)!
  expect((await group.run(primary, 'rdqmadm', ['-s', '-n', behind])).code).toBe(0)
  // Segments retire below the two newest checkpoints' floors: the second, smaller churn makes
  // those floors pass the first one.
  for (const [mode, count] of [
    ['-W', 3000],
    ['-R', 3000],
    ['-W', 600],
    ['-R', 600],
  ] as const) {
    const blast = await group
      .node(primary)
      .node.run('amqsblst', [
        QM,
        'BLAST.Q',
        mode,
        '-c',
        `${count}`,
        '-s',
        '1024',
        '--persistent',
        '-x',
        group.connName,
      ])
    expect(blast.code, blast.stdout + blast.stderr).toBe(0)
  }
  // Messages still queued hold the log they are in: these come after the 3 MiB.
  const putter = new Putter(group, 'catch-up')
  await putter.waitForAcks(20)
  await putter.stop()
  expect((await group.run(behind, 'rdqmadm', ['-r'])).code).toBe(0)
  await group.statusUntil(
    behind,
    (fields, peers) =>
      fields.get('Queue manager status') === 'Running elsewhere' &&
      fields.get('HA status') === 'Normal' &&
      [...peers.values()].every((status) => status === 'Normal'),
  )
  await until('the install in the log', async () =>
    group.daemonLog(behind).includes('checkpoint installed: reopening the member')
      ? true
      : undefined,
  ).catch((error: unknown) => {
    const lines = HA_NODES.flatMap((name) =>
      group
        .daemonLog(name)
        .split('\n')
        .filter((line) => /checkpoint|install|retire|retention/i.test(line))
        .slice(-15)
        .map((line) => `${name}: ${line.slice(0, 300)}`),
    )
    throw new Error(`${(error as Error).message}\n${lines.join('\n')}`)
  })
  const moved = await group.run(primary, 'rdqmadm', ['-p', '-m', QM, '-n', behind])
  expect(moved.code, moved.stderr).toBe(0)
  await group.statusUntil(behind, (fields) => fields.get('HA current location') === 'This node')
  await group.expectExactlyOnce(putter)
  const connection = await group.connect()
  try {
    expect(await depthByBrowse(connection, 'BLAST.Q')).toBe(0)
  } finally {
    await connection.close()
  }
  // No failback from here on: a node that comes back stays a secondary.
  expect((await group.run(primary, 'rdqmadm', ['-p', '-m', QM, '-d'])).code).toBe(0)
  return behind
}

describe('an HA group: hooks, floating address, checkpoint catch-up', () => {
  it('keeps every acknowledged message exactly once through all of it', async () => {
    group = new FailoverGroup(QM, await groupPorts())
    const primary = await group.build(['APP.Q', 'BLAST.Q'])
    await floatingAddress(group, primary)
    await checkpointCatchUp(group, primary)
    await group.endAndDelete()
  }, 600_000)
})
