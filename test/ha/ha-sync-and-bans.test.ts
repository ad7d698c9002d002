/**
 * Goal: the rdqmstatus lines this round adds follow from the snapshots: a synchronizing peer
 * shows its progress (share of the gap it had at open closed) and, once its samples show the gap
 * closing, an estimated time to completion; a node installing a checkpoint is synchronizing, and
 * so is this node's own HA status while it catches up; HA blocked location names the banned
 * nodes ("This node", a name, "All nodes"); the floating address shows.
 * Method: the pure view, formatter and progress functions on hand-made snapshots and samples.
 */
import { describe, expect, it } from 'vitest'
import type { HaSnapshot } from '../../src/ha/ha-local.js'
import { formatHaStatus, haStatusView } from '../../src/ha/ha-status-report.js'
import {
  estimatedCompletionMs,
  LsnSamples,
  rateOf,
  syncProgressPercent,
} from '../../src/ha/sync-progress.js'
import { haMember as member, haSnapshot as snapshot, MiB } from '../support/ha-snapshots.js'

const NOW = Date.parse('2026-12-07T12:00:00Z')
const primaryEnd = 100 * MiB

function group(c: Partial<HaSnapshot>): Map<string, HaSnapshot | undefined> {
  return new Map([
    [
      'a',
      snapshot('a', {
        status: 'Running',
        member: member('a', {
          role: 'primary',
          serving: true,
          links: ['b', 'c'],
          durableLsn: primaryEnd,
        }),
        // The primary's log grows 1 MiB/s.
        sync: {
          fromLsn: 0,
          samples: [
            { atMs: NOW - 4000, lsn: primaryEnd - 4 * MiB },
            { atMs: NOW, lsn: primaryEnd },
          ],
        },
      }),
    ],
    ['b', snapshot('b', { member: member('b', { links: ['a', 'c'], durableLsn: primaryEnd }) })],
    ['c', snapshot('c', c)],
  ])
}

describe('synchronization progress and its ETA', () => {
  it('progress is the share of the gap at open that is closed', () => {
    expect(syncProgressPercent(0, 25, 100)).toBe(25)
    expect(syncProgressPercent(50, 50, 100)).toBe(0)
    expect(syncProgressPercent(0, 200, 100)).toBe(100)
    expect(syncProgressPercent(100, 100, 100)).toBe(100)
    expect(syncProgressPercent(0, 1, 3)).toBe(33.3)
  })

  it('the ETA needs two samples and a closing gap', () => {
    const peer = [
      { atMs: 0, lsn: 0 },
      { atMs: 1000, lsn: 3000 },
    ]
    expect(rateOf(peer)).toBe(3)
    expect(rateOf(peer.slice(0, 1))).toBeUndefined()
    // Closing at 3 - 1 = 2 bytes/ms: 4000 bytes take 2000 ms.
    expect(
      estimatedCompletionMs(10_000, 4000, peer, [
        { atMs: 0, lsn: 0 },
        { atMs: 1000, lsn: 1000 },
      ]),
    ).toBe(12_000)
    expect(
      estimatedCompletionMs(10_000, 4000, peer, [
        { atMs: 0, lsn: 0 },
        { atMs: 1000, lsn: 5000 },
      ]),
    ).toBeUndefined()
    expect(estimatedCompletionMs(10_000, 4000, peer.slice(1), [])).toBeUndefined()
  })

  it('samples keep the first LSN after a restart and a bounded window', () => {
    const samples = new LsnSamples()
    for (let index = 0; index < 20; index++) samples.add(index, 100 + index)
    expect(samples.fromLsn).toBe(100)
    expect(samples.all.length).toBeLessThan(20)
    expect(samples.all.at(-1)).toEqual({ atMs: 19, lsn: 119 })
    samples.restart()
    samples.add(30, 500)
    expect(samples.fromLsn).toBe(500)
    expect(samples.all).toEqual([{ atMs: 30, lsn: 500 }])
  })

  it('a peer far behind shows progress and ETA; a node installing a checkpoint syncs', () => {
    const durable = primaryEnd - 40 * MiB
    const view = haStatusView(
      'a',
      'QM1',
      group({
        member: member('c', { links: ['a', 'b'], durableLsn: durable }),
        // Started 80 MiB behind, catching up at 11 MiB/s.
        sync: {
          fromLsn: primaryEnd - 80 * MiB,
          samples: [
            { atMs: NOW - 2000, lsn: durable - 22 * MiB },
            { atMs: NOW, lsn: durable },
          ],
        },
      }),
      NOW,
    )
    const c = view.nodes.find((each) => each.node === 'c')!
    expect(c.haStatus).toBe('Synchronization in progress')
    expect(c.syncProgress).toBe(50)
    // 40 MiB closing at 10 MiB/s: 4 s.
    expect(c.estimatedCompletion).toBe(new Date(NOW + 4000).toISOString())
    const lines = formatHaStatus(view, false)
    expect(lines).toContain(`${'HA synchronization progress:'.padEnd(33)}50.0%`)
    expect(lines).toContain(`${'HA estimated time to completion:'.padEnd(33)}2026-12-07 12:00:04`)

    const installing = haStatusView(
      'a',
      'QM1',
      group({ checkpointInstall: { lsn: 5 * MiB, since: new Date(NOW).toISOString() } }),
      NOW,
    )
    expect(installing.nodes.find((each) => each.node === 'c')!.haStatus).toBe(
      'Synchronization in progress',
    )
    const local = haStatusView(
      'c',
      'QM1',
      group({ checkpointInstall: { lsn: 5 * MiB, since: new Date(NOW).toISOString() } }),
      NOW,
    )
    expect(local.haStatus).toBe('Synchronization in progress')
  })
})

describe('HA blocked location and the floating address', () => {
  it('names the banned nodes from each point of view', () => {
    const ban = { at: '2026-12-07T12:00:00.000Z', reason: 'listen EADDRINUSE' }
    const one = group({ blocked: ban, floatingIp: { address: '10.0.0.9', interface: 'eth1' } })
    expect(haStatusView('a', 'QM1', one, NOW).haBlockedLocation).toBe('c')
    const fromC = haStatusView('c', 'QM1', one, NOW)
    expect(fromC.haBlockedLocation).toBe('This node')
    expect(fromC.failedActions.join('\n')).toContain('until rdqmadm -r: listen EADDRINUSE')
    expect(fromC.haFloatingIpAddress).toBe('10.0.0.9')
    expect(fromC.haFloatingIpInterface).toBe('eth1')
    expect(haStatusView('a', 'QM1', group({}), NOW).haBlockedLocation).toBe('None')
    const all = new Map([...one].map(([name, each]) => [name, { ...each!, blocked: ban }]))
    expect(haStatusView('b', 'QM1', all, NOW).haBlockedLocation).toBe('All nodes')
  })
})
