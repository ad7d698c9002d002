/** Hand-built status snapshots for the metrics and timeline tests. */
import type { NodeStatusSnapshot, QueueManagerSnapshot } from '../../src/ops/node-status.js'
import { JOURNAL_BATCH_RECORDS_BUCKETS, JOURNAL_SYNC_MICROS_BUCKETS } from '../../src/constants.js'

export function plainQueueManager(
  overrides: Partial<QueueManagerSnapshot> = {},
): QueueManagerSnapshot {
  return {
    name: 'QM1',
    status: 'Ended immediately',
    host: '127.0.0.1',
    port: 1414,
    isDefault: false,
    role: 'standalone',
    queues: [],
    ...overrides,
  }
}

export function runningQueueManager(): QueueManagerSnapshot {
  const batchRecordsBuckets = new Array<number>(JOURNAL_BATCH_RECORDS_BUCKETS.length + 1).fill(0)
  batchRecordsBuckets[0] = 3 // three batches of one record
  batchRecordsBuckets[2] = 2 // two batches of 3 or 4 records
  const syncMicrosBuckets = new Array<number>(JOURNAL_SYNC_MICROS_BUCKETS.length + 1).fill(0)
  syncMicrosBuckets[1] = 4
  syncMicrosBuckets[JOURNAL_SYNC_MICROS_BUCKETS.length] = 1 // one beyond the last bound
  return plainQueueManager({
    status: 'Running',
    epoch: 3,
    commitLsn: 4_096,
    durableLsn: 4_096,
    log: {
      logBytesOnDisk: 1 << 20,
      segments: 1,
      spareSegments: 0,
      segmentBytes: 1 << 20,
      currentLsn: 4_160,
      durableLsn: 4_096,
      checkpointLsn: 1_000,
      recoveryFloorLsn: 1_000,
      retainedFloorLsn: 64,
      oldestLiveLsn: 200,
      logBytesInUse: 4_096,
      compaction: undefined,
    },
    journal: {
      batches: 5,
      records: 10,
      bytes: 4_032,
      syncMicrosTotal: 2_500_000,
      largestBatchRecords: 4,
      durableEndLsn: 4_096,
      syncs: 5,
      batchRecordsBuckets,
      syncMicrosBuckets,
    },
    server: { connections: 2, requestsInFlight: 1 },
    queues: [
      {
        name: 'APP.IN',
        depth: 7,
        maxDepth: 5000,
        puts: 12,
        gets: 5,
        expired: 1,
        oldestPutTimeMs: 1_000_000 - 30_000,
      },
    ],
  })
}

export function snapshotOf(
  queueManagers: readonly QueueManagerSnapshot[],
  takenAtMs = 1_000_000,
): NodeStatusSnapshot {
  return {
    takenAtMs,
    node: {
      name: 'node-a',
      home: '/var/lib/quorummq',
      pid: 1,
      version: '0.1.0',
      filesystem: { path: '/var/lib/quorummq', sizeBytes: 1_000, availableBytes: 50 },
    },
    queueManagers,
  }
}
