/**
 * Goal: rdqmstatus's values follow from the nodes' snapshots as rdqm.md describes them: a peer
 * whose link is down is Remote unavailable (with its last time in sync), one far behind the
 * primary is Synchronization in progress (with the out-of-sync data), the local summary is
 * Mixed when the peers differ, and locations read "This node" or the node's name.
 * Method: the pure view and formatter on hand-made snapshots.
 */
import { describe, expect, it } from 'vitest'
import { formatHaStatus, formatNodeSummary, haStatusView } from '../../src/ha/ha-status-report.js'
import { haMember as member, haSnapshot as snapshot, MiB } from '../support/ha-snapshots.js'

describe('rdqmstatus values', () => {
  it('a healthy group: Normal everywhere, the primary named', () => {
    const snapshots = new Map([
      ['b', snapshot('b', { member: member('b', { links: ['a', 'c'] }) })],
      [
        'a',
        snapshot('a', {
          status: 'Running',
          member: member('a', { role: 'primary', serving: true, links: ['b', 'c'] }),
        }),
      ],
      ['c', snapshot('c', { member: member('c', { links: ['a', 'b'] }) })],
    ])
    const view = haStatusView('b', 'QM1', snapshots)
    expect(view).toMatchObject({
      queueManagerStatus: 'Running elsewhere',
      haRole: 'Secondary',
      haStatus: 'Normal',
      haControl: 'Enabled',
      haCurrentLocation: 'a',
      haPreferredLocation: 'None',
    })
    expect(view.nodes).toEqual([
      { node: 'a', haStatus: 'Normal' },
      { node: 'c', haStatus: 'Normal' },
    ])
    const lines = formatHaStatus(view, false)
    expect(lines[0]).toMatch(/^Node:\s+b$/)
    expect(lines).toContain('HA current location:             a')
  })

  it('a lost link and a lagging peer: Remote unavailable, Synchronization in progress, Mixed', () => {
    const snapshots = new Map([
      [
        'a',
        snapshot('a', {
          status: 'Running',
          preferredLocation: 'a',
          lastLinked: { b: '2026-12-07T10:11:12.000Z' },
          member: member('a', {
            role: 'primary',
            serving: true,
            journalEndLsn: 20 * MiB,
            links: ['c'],
          }),
        }),
      ],
      ['b', undefined],
      ['c', snapshot('c', { member: member('c', { durableLsn: 10 * MiB, links: ['a'] }) })],
    ])
    const view = haStatusView('a', 'QM1', snapshots)
    expect(view.haRole).toBe('Primary')
    expect(view.haCurrentLocation).toBe('This node')
    expect(view.haPreferredLocation).toBe('This node')
    expect(view.haStatus).toBe('Mixed')
    expect(view.nodes).toEqual([
      { node: 'b', haStatus: 'Remote unavailable', lastInSync: '2026-12-07T10:11:12.000Z' },
      { node: 'c', haStatus: 'Synchronization in progress', outOfSyncBytes: 10 * MiB },
    ])
    const text = formatHaStatus(view, true).join('\n')
    expect(text).toContain('HA last in sync:                 2026-12-07 10:11:12')
    expect(text).toContain('HA out of sync data:             10240KB')
    expect(text).toContain('Failed resource action(s):\n  None')
  })

  it('an ended queue manager: role Unknown, control Disabled, no location', () => {
    const ended = { status: 'Ended normally', control: 'disabled' as const }
    const snapshots = new Map([
      ['a', snapshot('a', ended)],
      ['b', snapshot('b', ended)],
      ['c', snapshot('c', ended)],
    ])
    const view = haStatusView('a', 'QM1', snapshots)
    expect(view).toMatchObject({
      haRole: 'Unknown',
      haControl: 'Disabled',
      haCurrentLocation: 'None',
    })
    expect(view.haStatus).toBe('Normal')
    const summary = formatNodeSummary('a', [view])
    expect(summary).toContain('Queue manager name:              QM1')
    expect(summary).toContain('Queue manager status:            Ended normally')
  })
})
