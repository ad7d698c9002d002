/**
 * Goal: rdqmstatus's DR fields say what the operator needs: Partitioned on a split brain,
 * Remote unavailable without a link, Synchronization in progress with progress and an
 * estimate while the other side lacks log, Normal otherwise. Method: the pure view over
 * hand-made member snapshots, the clock passed in.
 */
import { describe, expect, it } from 'vitest'
import type { DrQueueManagerConfig } from '../../src/daemon/queue-manager-config.js'
import { drStatusView, formatDrStatus } from '../../src/dr/dr-status-report.js'
import { DrSyncProgress } from '../../src/dr/dr-sync-progress.js'
import type { MemberStatus } from '../../src/queue-manager/replicated-queue-manager.js'

const CONFIG: DrQueueManagerConfig = {
  type: 'a',
  localAddress: '127.0.0.1',
  remoteAddress: '127.0.0.2',
  members: ['a', 'b'],
  self: 'a',
  port: 7001,
  segmentBytes: 1 << 20,
  syncTimeoutMs: 1000,
}

function member(overrides: {
  endLsn?: number
  peerMatch?: number
  links?: string[]
  partitioned?: boolean
  outOfSyncBytes?: number
}): MemberStatus {
  const endLsn = overrides.endLsn ?? 10_000
  return {
    node: 'a',
    role: 'primary',
    epoch: 2,
    primaryId: 'a',
    serving: true,
    commitLsn: endLsn,
    journalEndLsn: endLsn,
    appliedLsn: endLsn,
    checkpointLsn: 0,
    retainedFloorLsn: 0,
    links: overrides.links ?? ['b'],
    replica: {
      id: 'a',
      role: 'primary',
      epoch: 2,
      primaryId: 'a',
      votedFor: 'a',
      commitLsn: endLsn,
      endLsn,
      durableLsn: endLsn,
      logStartLsn: 0,
      acceptingWrites: true,
      lastEpoch: 2,
      outOfSyncBytes: overrides.outOfSyncBytes ?? 0,
      checkpointLimitLsn: 0,
      partitioned: overrides.partitioned ?? false,
      peerMatchLsns: [{ id: 'b', matchLsn: overrides.peerMatch ?? endLsn }],
      heardCommitLsn: 0,
      silentTicks: { b: 0 },
    },
  }
}

function view(status: MemberStatus | undefined, progress = new DrSyncProgress(), now = 0) {
  const snapshot = { queueManager: 'DRQ', queueManagerStatus: 'Running', role: 'primary' as const }
  return drStatusView({ ...snapshot, config: CONFIG, member: status }, progress, now)
}

describe('DR status view', () => {
  it('names each state from the member status', () => {
    expect(view(member({})).status).toBe('Normal')
    expect(view(member({ partitioned: true })).status).toBe('Partitioned')
    expect(view(member({ links: [] })).status).toBe('Remote unavailable')
    expect(view(undefined).status).toBe('Remote unavailable')
    expect(view(member({ outOfSyncBytes: 10 })).status).toBe('Synchronization in progress')
    const behind = view(member({ endLsn: 50 << 20, peerMatch: 1 << 20 }))
    expect(behind.status).toBe('Synchronization in progress')
    expect(behind.outOfSyncBytes).toBe(49 << 20)
  })

  it('measures progress from the backlog when the sync began and estimates its end', () => {
    const progress = new DrSyncProgress()
    const start = view(member({ endLsn: 100 << 20, peerMatch: 0 }), progress, 1_000)
    expect(start.synchronizationPercent).toBe(0)
    expect(start.completesAt).toBeUndefined()
    const half = view(member({ endLsn: 100 << 20, peerMatch: 50 << 20 }), progress, 11_000)
    expect(half.synchronizationPercent).toBe(50)
    expect(half.completesAt).toBeDefined()
    const lines = formatDrStatus(half)
    expect(lines).toContain('DR synchronization progress:            50.00%')
    expect(lines.some((line) => line.startsWith('DR estimated time of completion:'))).toBe(true)
    expect(lines).toContain(`DR out of sync data:                    ${50 * 1024}KB`)
    expect(view(member({}), progress, 12_000).synchronizationPercent).toBeUndefined()
  })
})
