/**
 * Goal: a frozen primary (SIGSTOP of its qmqd) is replaced and comes back a secondary, and a
 * node whose member cannot start is banned until rdqmadm -r, after which it runs the queue
 * manager again; every acknowledged message present exactly once, rdqmstatus's fields and the
 * lifecycle hooks right at each step.
 * Method: one group on 127.0.0.1..3 through the commands (failover-group.ts). SIGSTOP of the
 * primary's qmqd under a reconnecting putter: the others elect; after SIGCONT the old primary is
 * a secondary whose hook saw the change. Then endmqm, the listener port taken on one node,
 * strmqm: that node is banned (HA blocked location); the port freed, rdqmadm -r clears the ban
 * and the node's member opens (once it stayed Starting: a failed open left its replication
 * worker holding the port); made primary by rdqmadm -p, that node serves the putter's messages.
 * The HA listener speaks TLS (ssl/ in each node's queue manager directory, test/security's CA;
 * clients check the certificate), which it ignored until the HA listener took the single node's
 * listener rules: a plain client is refused.
 * (Checkpoint catch-up and rdqmint run under npm run test:soak, test/soak/ha-failover.test.ts.)
 */
import fs from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import net from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { connect } from '../../src/client/index.js'
import { makePki } from '../security/certificates.js'
import { FailoverGroup, Putter, until } from './failover-group.js'
import { HA_HOSTS, HA_NODES, groupPorts, statusFields, type HaNodeName } from './ha-nodes.js'

const QM = 'HAS'
let group: FailoverGroup | undefined
const pkiDirectory = fs.mkdtempSync(join(os.tmpdir(), 'qmq-ha-pki-'))

afterAll(async () => {
  await group?.dispose()
  fs.rmSync(pkiDirectory, { recursive: true, force: true })
})

async function frozenPrimary(group: FailoverGroup, primary: HaNodeName): Promise<void> {
  const putter = new Putter(group, 'frozen')
  await putter.waitForAcks(30)
  const pid = group.node(primary).daemonPid()!
  const callsBefore = group.hookCalls(primary).length
  process.kill(pid, 'SIGSTOP')
  const survivor = HA_NODES.find((name) => name !== primary)!
  let failed
  try {
    failed = await group.statusUntil(survivor, (fields, peers) => {
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
  const back = await group.statusUntil(
    primary,
    (fields, peers) =>
      fields.get('HA role') === 'Secondary' &&
      fields.get('Queue manager status') === 'Running elsewhere' &&
      [...peers.values()].every((status) => status === 'Normal'),
  )
  expect(back.fields.get('HA current location')).not.toBe('This node')
  await until('the old primary hook ran', async () =>
    group
      .hookCalls(primary)
      .slice(callsBefore)
      .some((line) => / secondary \d+ prev=primary/.test(line))
      ? true
      : undefined,
  )
  const after = putter.acked.length
  await putter.waitForAcks(after + 30)
  await putter.stop()
  await group.expectExactlyOnce(putter)
}

/** A node whose member cannot start (its listener port taken) is banned until rdqmadm -r. */
async function failedStartBan(group: FailoverGroup): Promise<void> {
  expect((await group.run('a', 'endmqm', [QM])).code).toBe(0)
  const banned: HaNodeName = 'c'
  const squatter = net.createServer()
  await new Promise<void>((resolve) =>
    squatter.listen({ host: HA_HOSTS[banned], port: group.ports.listener }, resolve),
  )
  try {
    expect((await group.run('a', 'strmqm', [QM])).code).toBe(0)
    const shown = await group.statusUntil(
      'a',
      (fields) => fields.get('HA blocked location') === banned,
    )
    expect(shown.fields.get('Queue manager status')).toMatch(/^Running/)
    const local = await group.run(banned, 'rdqmstatus', ['-m', QM, '-a'])
    expect(statusFields(local.stdout).get('HA blocked location')).toBe('This node')
    expect(local.stdout).toContain('banned from this node until rdqmadm -r')
  } finally {
    await new Promise((resolve) => squatter.close(resolve))
  }
  const putter = new Putter(group, 'ban')
  await putter.waitForAcks(20)
  expect((await group.run('a', 'rdqmadm', ['-r', '-n', banned])).code).toBe(0)
  await group.statusUntil(
    banned,
    (fields, peers) =>
      fields.get('HA blocked location') === 'None' &&
      fields.get('Queue manager status') === 'Running elsewhere' &&
      [...peers.values()].every((status) => status === 'Normal'),
  )
  // The once-banned node serves: made primary, it has every acknowledged message once.
  const moved = await group.run('a', 'rdqmadm', ['-p', '-m', QM, '-n', banned])
  expect(moved.code, moved.stderr).toBe(0)
  await group.statusUntil(banned, (fields) => fields.get('Queue manager status') === 'Running')
  await putter.waitForAcks(putter.acked.length + 20)
  await putter.stop()
  await group.expectExactlyOnce(putter)
  expect((await group.run('a', 'rdqmadm', ['-p', '-m', QM, '-d'])).code).toBe(0)
}

describe('an HA group: a frozen primary, a failed-start ban and its resume', () => {
  it('keeps every acknowledged message exactly once through both', async () => {
    const pki = makePki(pkiDirectory, [], [])
    // One certificate for the three nodes: its name is localhost (SAN DNS:localhost).
    const client = { ca: pki.ca, servername: 'localhost' }
    group = new FailoverGroup(QM, await groupPorts(), {
      serverDirectory: pki.serverDirectory,
      client,
    })
    const primary = await group.build(['APP.Q'])
    const plain = connect({ connName: group.connName, queueManager: QM, connectTimeoutMs: 2_000 })
    await expect(plain).rejects.toThrow()
    await frozenPrimary(group, primary)
    await failedStartBan(group)
    await group.endAndDelete()
  }, 240_000)
})
