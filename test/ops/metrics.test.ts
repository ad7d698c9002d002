/**
 * Goal: the Prometheus exposition says what the snapshot says, in Prometheus's conventions.
 * Method: render hand-built snapshots (plain, running, with HA and DR status) and parse the
 * text: values, counter suffixes, histogram buckets made cumulative, and HA series only where
 * the snapshot has HA status while their HELP lines are always there.
 */
import { describe, expect, it } from 'vitest'
import { JOURNAL_SYNC_MICROS_BUCKETS } from '../../src/constants.js'
import { METRIC_NAMES, NodeMetrics } from '../../src/ops/metrics.js'
import { bucketIndex } from '../../src/actors/journal/journal-loop.js'
import { plainQueueManager, runningQueueManager, snapshotOf } from './fixtures.js'

function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1))
  }
  return undefined
}

describe('NodeMetrics', () => {
  it('declares every metric it names, counters ending in _total', async () => {
    const text = await new NodeMetrics().render(snapshotOf([]))
    for (const name of METRIC_NAMES) {
      expect(text).toContain(`# HELP ${name} `)
      const type = /# TYPE (\S+) (\S+)/.exec(text.slice(text.indexOf(`# TYPE ${name} `)))
      if (type?.[2] === 'counter') expect(name).toMatch(/_total$/)
    }
  })

  it('shows a running queue manager, its queues and journal', async () => {
    const text = await new NodeMetrics().render(snapshotOf([runningQueueManager()]))
    expect(sample(text, 'qmq_queue_manager_status{qmgr="QM1",status="Running"}')).toBe(1)
    expect(sample(text, 'qmq_queue_manager_running{qmgr="QM1"}')).toBe(1)
    expect(sample(text, 'qmq_queue_manager_role{qmgr="QM1",role="standalone"}')).toBe(1)
    expect(sample(text, 'qmq_queue_manager_epoch{qmgr="QM1"}')).toBe(3)
    expect(sample(text, 'qmq_queue_manager_commit_lsn{qmgr="QM1"}')).toBe(4_096)
    expect(sample(text, 'qmq_journal_checkpoint_age_bytes{qmgr="QM1"}')).toBe(3_160)
    expect(sample(text, 'qmq_queue_depth{qmgr="QM1",queue="APP.IN"}')).toBe(7)
    expect(sample(text, 'qmq_queue_puts_total{qmgr="QM1",queue="APP.IN"}')).toBe(12)
    expect(sample(text, 'qmq_queue_gets_total{qmgr="QM1",queue="APP.IN"}')).toBe(5)
    expect(sample(text, 'qmq_queue_expired_total{qmgr="QM1",queue="APP.IN"}')).toBe(1)
    expect(sample(text, 'qmq_queue_oldest_message_age_seconds{qmgr="QM1",queue="APP.IN"}')).toBe(30)
    expect(sample(text, 'qmq_queue_manager_connections{qmgr="QM1"}')).toBe(2)
    expect(sample(text, 'qmq_journal_written_bytes_total{qmgr="QM1"}')).toBe(4_032)
    expect(sample(text, 'qmq_node_filesystem_avail_bytes')).toBe(50)
  })

  it('writes the journal histograms cumulatively with sum and count', async () => {
    const text = await new NodeMetrics().render(snapshotOf([runningQueueManager()]))
    expect(sample(text, 'qmq_journal_batch_records_bucket{qmgr="QM1",le="1"}')).toBe(3)
    expect(sample(text, 'qmq_journal_batch_records_bucket{qmgr="QM1",le="2"}')).toBe(3)
    expect(sample(text, 'qmq_journal_batch_records_bucket{qmgr="QM1",le="4"}')).toBe(5)
    expect(sample(text, 'qmq_journal_batch_records_bucket{qmgr="QM1",le="+Inf"}')).toBe(5)
    expect(sample(text, 'qmq_journal_batch_records_sum{qmgr="QM1"}')).toBe(10)
    expect(sample(text, 'qmq_journal_batch_records_count{qmgr="QM1"}')).toBe(5)
    expect(sample(text, 'qmq_journal_fdatasync_seconds_bucket{qmgr="QM1",le="0.0001"}')).toBe(4)
    const last = JOURNAL_SYNC_MICROS_BUCKETS.at(-1)! / 1_000_000
    expect(sample(text, `qmq_journal_fdatasync_seconds_bucket{qmgr="QM1",le="${last}"}`)).toBe(4)
    expect(sample(text, 'qmq_journal_fdatasync_seconds_bucket{qmgr="QM1",le="+Inf"}')).toBe(5)
    expect(sample(text, 'qmq_journal_fdatasync_seconds_sum{qmgr="QM1"}')).toBe(2.5)
  })

  it('forgets a queue manager that no longer reports a series', async () => {
    const metrics = new NodeMetrics()
    await metrics.render(snapshotOf([runningQueueManager()]))
    const text = await metrics.render(snapshotOf([plainQueueManager()]))
    expect(sample(text, 'qmq_queue_manager_status{qmgr="QM1",status="Running"}')).toBeUndefined()
    expect(sample(text, 'qmq_queue_manager_status{qmgr="QM1",status="Ended immediately"}')).toBe(1)
    expect(sample(text, 'qmq_queue_manager_running{qmgr="QM1"}')).toBe(0)
    expect(sample(text, 'qmq_queue_depth{qmgr="QM1",queue="APP.IN"}')).toBeUndefined()
    expect(text).not.toContain('qmq_journal_batch_records_bucket{')
  })

  it('exports HA and DR status when the snapshot has it', async () => {
    const ha = plainQueueManager({
      status: 'Running',
      role: 'primary',
      ha: {
        group: 'G1',
        quorum: false,
        failovers: 2,
        elections: 3,
        peers: [
          { node: 'node-b', link: 'down', role: 'secondary', lagBytes: 100, lagSeconds: 4 },
          { node: 'node-c', link: 'up', role: 'secondary', resyncProgress: 0.5 },
        ],
      },
      dr: { role: 'primary', state: 'Partitioned', remote: 'dr-a', outOfSyncBytes: 42 },
    })
    const text = await new NodeMetrics().render(snapshotOf([ha]))
    expect(sample(text, 'qmq_replication_quorum{qmgr="QM1"}')).toBe(0)
    expect(sample(text, 'qmq_replication_failovers_total{qmgr="QM1"}')).toBe(2)
    expect(sample(text, 'qmq_replication_peer_up{qmgr="QM1",peer="node-b"}')).toBe(0)
    expect(sample(text, 'qmq_replication_lag_seconds{qmgr="QM1",peer="node-b"}')).toBe(4)
    expect(sample(text, 'qmq_replication_resync_progress_ratio{qmgr="QM1",peer="node-c"}')).toBe(
      0.5,
    )
    expect(sample(text, 'qmq_replication_out_of_sync_bytes{qmgr="QM1",peer="dr-a"}')).toBe(42)
    const drState = 'qmq_dr_state{qmgr="QM1",role="primary",state="Partitioned"}'
    expect(sample(text, drState)).toBe(1)
    const plain = await new NodeMetrics().render(snapshotOf([runningQueueManager()]))
    expect(plain).not.toContain('qmq_replication_quorum{')
  })
})

describe('bucketIndex', () => {
  it('finds the first bound at or above the value, or the +Inf bucket', () => {
    const bounds = [1, 2, 4]
    expect([0, 1, 1.5, 2, 3, 4, 5, 1e9].map((value) => bucketIndex(bounds, value))).toEqual([
      0, 0, 1, 1, 2, 2, 3, 3,
    ])
  })
})
