/**
 * Goal: the timeline records each change of status, role or DR state once, bounded.
 * Method: feed snapshots that change one fact at a time and read the events.
 */
import { describe, expect, it } from 'vitest'
import { StatusTimeline } from '../../src/ops/status-timeline.js'
import { plainQueueManager, snapshotOf } from './fixtures.js'

describe('StatusTimeline', () => {
  it('records first sightings, then only changes', () => {
    const timeline = new StatusTimeline(10)
    timeline.observe(snapshotOf([plainQueueManager()], 1))
    timeline.observe(snapshotOf([plainQueueManager()], 2))
    timeline.observe(snapshotOf([plainQueueManager({ status: 'Running' })], 3))
    const events = timeline.list()
    expect(events.map((event) => [event.atMs, event.kind, event.from, event.to])).toEqual([
      [1, 'status', undefined, 'Ended immediately'],
      [1, 'role', undefined, 'standalone'],
      [3, 'status', 'Ended immediately', 'Running'],
    ])
    expect(events.every((event) => event.node === 'node-a' && event.queueManager === 'QM1')).toBe(
      true,
    )
  })

  it('records HA role changes of peers and DR state changes', () => {
    const timeline = new StatusTimeline(10)
    const withPeer = (role: 'primary' | 'secondary', state: 'Normal' | 'Partitioned') =>
      plainQueueManager({
        role: role === 'primary' ? 'secondary' : 'primary',
        ha: {
          group: 'G',
          quorum: true,
          failovers: 0,
          elections: 0,
          peers: [{ node: 'node-b', link: 'up', role }],
        },
        dr: { role: 'primary', state, remote: 'dr-x' },
      })
    timeline.observe(snapshotOf([withPeer('secondary', 'Normal')], 1))
    timeline.observe(snapshotOf([withPeer('primary', 'Partitioned')], 2))
    const later = timeline.list().filter((event) => event.atMs === 2)
    expect(later.map((event) => [event.node, event.kind, event.from, event.to])).toEqual([
      ['node-a', 'role', 'primary', 'secondary'],
      ['node-b', 'role', 'secondary', 'primary'],
      ['dr-x', 'dr', 'Normal', 'Partitioned'],
    ])
  })

  it('keeps only the newest events', () => {
    const timeline = new StatusTimeline(2)
    const statuses = ['Running', 'Quiescing', 'Ended normally'] as const
    statuses.forEach((status, index) =>
      timeline.observe(snapshotOf([plainQueueManager({ status })], index)),
    )
    expect(timeline.list().map((event) => event.to)).toEqual(['Quiescing', 'Ended normally'])
  })
})

describe('StatusTimeline primary moves', () => {
  it('records a failover as one move of the primary, across a moment without one', () => {
    const timeline = new StatusTimeline(20)
    const withPrimary = (primary: string | undefined) =>
      plainQueueManager({
        role: 'secondary',
        ha: {
          group: 'G',
          quorum: primary !== undefined,
          failovers: 0,
          elections: 0,
          peers: [],
          ...(primary === undefined ? {} : { primary }),
        },
      })
    timeline.observe(snapshotOf([withPrimary('a')], 1))
    timeline.observe(snapshotOf([withPrimary(undefined)], 2))
    timeline.observe(snapshotOf([withPrimary('b')], 3))
    const moves = timeline.list().filter((event) => event.kind === 'primary')
    expect(moves.map((event) => [event.atMs, event.node, event.from, event.to])).toEqual([
      [1, 'a', undefined, 'a'],
      [3, 'b', 'a', 'b'],
    ])
  })
})
