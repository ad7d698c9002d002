/**
 * Goal: the HA part of the status entry says what rdqmstatus says, from the same data: the
 * report is rdqmstatus's view itself, each peer's link follows its rdqmstatus HA status, roles
 * and replicated LSNs come from each node's own snapshot, and the metrics export them.
 * Method: hand-made node snapshots through the real haStatusView and haContribution, then the
 * metrics rendered from a status snapshot holding the result.
 */
import { describe, expect, it } from 'vitest'
import type { HaSnapshot } from '../../src/ha/ha-local.js'
import { formatHaStatus, haStatusView } from '../../src/ha/ha-status-report.js'
import { currentPrimary, haContribution } from '../../src/ops/ha-status.js'
import { NodeMetrics } from '../../src/ops/metrics.js'
import { haMember as member, haSnapshot, MiB } from '../support/ha-snapshots.js'
import { plainQueueManager, snapshotOf } from './fixtures.js'

/** The group prefers a. */
function snapshot(node: string, fields: Partial<HaSnapshot> = {}): HaSnapshot {
  return haSnapshot(node, { preferredLocation: 'a', ...fields })
}

/** b's view: a serves with its log at 20 MiB, c trails by 12 MiB, nothing heard of d. */
function groupSeenFromB(): Map<string, HaSnapshot | undefined> {
  const end = 20 * MiB
  return new Map<string, HaSnapshot | undefined>([
    [
      'a',
      snapshot('a', {
        status: 'Running',
        member: member('a', {
          role: 'primary',
          serving: true,
          links: ['b', 'c'],
          durableLsn: end,
        }),
      }),
    ],
    ['b', snapshot('b', { member: member('b', { links: ['a', 'c'], durableLsn: end - 100 }) })],
    ['c', snapshot('c', { member: member('c', { links: ['a', 'b'], durableLsn: 8 * MiB }) })],
    ['d', undefined],
  ])
}

describe('HA status contribution', () => {
  it('carries rdqmstatus view and derives the peers from the same snapshots', () => {
    const snapshots = groupSeenFromB()
    const report = haStatusView('b', 'QM1', snapshots)
    const counts = { elections: 3, failovers: 1, primary: 'a', primaryEpoch: 2 }
    const entry = haContribution({ self: 'b', group: 'G', report, snapshots, counts, nowMs: 0 })
    expect(entry.ha?.report).toBe(report)
    expect(currentPrimary(report)).toBe('a')
    expect(entry.role).toBe('secondary')
    expect(entry.durableLsn).toBe(20 * MiB - 100)
    expect(entry.ha).toMatchObject({
      node: 'b',
      primary: 'a',
      preferredLocation: 'a',
      quorum: true,
      elections: 3,
      failovers: 1,
    })
    const peers = new Map(entry.ha!.peers.map((peer) => [peer.node, peer]))
    expect(peers.get('a')).toMatchObject({ link: 'up', role: 'primary', lagBytes: 0 })
    expect(peers.get('c')).toMatchObject({
      link: 'lagging',
      role: 'secondary',
      haStatus: 'Synchronization in progress',
      replicatedLsn: 8 * MiB,
      lagBytes: 12 * MiB,
      outOfSyncBytes: 12 * MiB,
    })
    expect(peers.get('d')).toMatchObject({ link: 'down', role: 'unknown' })
    // Every peer rdqmstatus prints is a peer of the entry, with the same HA status.
    const printed = formatHaStatus(report, false).join('\n')
    for (const peer of entry.ha!.peers) expect(printed).toContain(`Node:`.padEnd(33) + peer.node)
    for (const view of report.nodes) expect(peers.get(view.node)?.haStatus).toBe(view.haStatus)
  })

  it('has no quorum when no node that answered serves', () => {
    const snapshots = new Map<string, HaSnapshot | undefined>([
      ['a', undefined],
      ['b', snapshot('b', { member: member('b', { links: [] }) })],
      ['c', undefined],
    ])
    const report = haStatusView('b', 'QM1', snapshots)
    const entry = haContribution({
      self: 'b',
      group: 'G',
      report,
      snapshots,
      counts: undefined,
      nowMs: 0,
    })
    expect(entry.ha).toMatchObject({ quorum: false, elections: 0, failovers: 0 })
    expect(entry.ha!.peers.map((peer) => peer.link)).toEqual(['down', 'down'])
  })

  it('is what the metrics export', async () => {
    const snapshots = groupSeenFromB()
    const report = haStatusView('b', 'QM1', snapshots)
    const counts = { elections: 3, failovers: 1, primary: 'a', primaryEpoch: 2 }
    const contribution = haContribution({
      self: 'b',
      group: 'G',
      report,
      snapshots,
      counts,
      nowMs: 0,
    })
    const entry = plainQueueManager({ status: 'Running elsewhere', ...contribution })
    const text = await new NodeMetrics().render(snapshotOf([entry]))
    const value = (series: string) =>
      text
        .split('\n')
        .find((line) => line.startsWith(`${series} `))
        ?.split(' ')[1]
    expect(value('qmq_replication_quorum{qmgr="QM1"}')).toBe('1')
    expect(value('qmq_replication_elections_total{qmgr="QM1"}')).toBe('3')
    expect(value('qmq_replication_failovers_total{qmgr="QM1"}')).toBe('1')
    expect(value('qmq_queue_manager_role{qmgr="QM1",role="secondary"}')).toBe('1')
    expect(value('qmq_queue_manager_epoch{qmgr="QM1"}')).toBe('2')
    expect(value('qmq_replication_lag_bytes{qmgr="QM1",peer="c"}')).toBe(String(12 * MiB))
    expect(value('qmq_replication_replicated_lsn{qmgr="QM1",peer="c"}')).toBe(String(8 * MiB))
    expect(value('qmq_replication_peer_role{qmgr="QM1",peer="a",role="primary"}')).toBe('1')
    expect(value('qmq_replication_peer_up{qmgr="QM1",peer="d"}')).toBe('0')
  })
})
