/**
 * The Prometheus exposition of a node status snapshot (node-status.ts), written by prom-client.
 * Every scrape takes one snapshot and sets every metric from it, so one scrape never mixes two
 * moments, and the figures are those the console and the status commands show.
 *
 * Names follow Prometheus conventions: the unit last (_bytes, _seconds), _total for counters,
 * `qmgr`, `queue`, `peer` labels. Counters read from the engine's and journal's own totals, so
 * they restart from zero with their queue manager, which Prometheus's rate() expects.
 * HA/DR series appear only for queue managers that have HA/DR status; their HELP and TYPE lines
 * are always present, so dashboards and alert rules can name them before HA lands.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client'
import { JOURNAL_BATCH_RECORDS_BUCKETS, JOURNAL_SYNC_MICROS_BUCKETS } from '../constants.js'
import { ExternalHistogram, type BucketCounts } from './external-histogram.js'
import type { NodeStatusSnapshot, PeerStatus, QueueManagerSnapshot } from './node-status.js'

type GaugeName = keyof typeof GAUGES
type CounterName = keyof typeof COUNTERS

/** name: [help, label names]. */
const GAUGES = {
  qmq_node_info: ['The node: its name and QuorumMQ version (always 1)', ['node', 'version']],
  qmq_node_filesystem_size_bytes: ['Size of the filesystem holding QMQ_HOME', []],
  qmq_node_filesystem_avail_bytes: ['Bytes available to qmqd on the filesystem of QMQ_HOME', []],
  qmq_queue_manager_status: [
    '1 for the status the queue manager has (dspmq STATUS)',
    ['qmgr', 'status'],
  ],
  qmq_queue_manager_running: ['1 if the queue manager is Running here, else 0', ['qmgr']],
  qmq_queue_manager_role: ['1 for the role the queue manager has on this node', ['qmgr', 'role']],
  qmq_queue_manager_epoch: ['Epoch stamped into new log records', ['qmgr']],
  qmq_queue_manager_commit_lsn: ['Log position below which every record is committed', ['qmgr']],
  qmq_queue_manager_durable_lsn: [
    'Log position below which every record is on disk here',
    ['qmgr'],
  ],
  qmq_queue_manager_current_lsn: ['Log position the next record gets (CURRLOG)', ['qmgr']],
  qmq_queue_manager_connections: ['Client connections open', ['qmgr']],
  qmq_queue_manager_requests_in_flight: ['Client requests being served', ['qmgr']],
  qmq_journal_disk_bytes: ['Bytes of log segment files on disk, spares included', ['qmgr']],
  qmq_journal_in_use_bytes: ['Log bytes between the oldest kept LSN and the log end', ['qmgr']],
  qmq_journal_checkpoint_age_bytes: ['Log written since the newest checkpoint', ['qmgr']],
  qmq_queue_depth: ['Messages on the queue (CURDEPTH)', ['qmgr', 'queue']],
  qmq_queue_max_depth: ['The queue MAXDEPTH', ['qmgr', 'queue']],
  qmq_queue_oldest_message_age_seconds: [
    'Age of the oldest message (0 when empty)',
    ['qmgr', 'queue'],
  ],
  qmq_replication_quorum: ['1 while the HA group has a quorum', ['qmgr']],
  qmq_replication_peer_up: ['1 if the replication link to the peer is up', ['qmgr', 'peer']],
  qmq_replication_peer_role: [
    '1 for the role the peer has by its own report (unknown: no answer)',
    ['qmgr', 'peer', 'role'],
  ],
  qmq_replication_replicated_lsn: ['Log position the peer holds', ['qmgr', 'peer']],
  qmq_replication_lag_bytes: ['Log the peer is behind by', ['qmgr', 'peer']],
  qmq_replication_lag_seconds: ['Time the peer is behind by', ['qmgr', 'peer']],
  qmq_replication_out_of_sync_bytes: ['Data the peer must resynchronize', ['qmgr', 'peer']],
  qmq_replication_resync_progress_ratio: ['Resynchronization progress, 0 to 1', ['qmgr', 'peer']],
  qmq_dr_state: ['1 for the DR state of the queue manager', ['qmgr', 'role', 'state']],
} as const satisfies Record<string, readonly [string, readonly string[]]>

const COUNTERS = {
  qmq_queue_puts_total: ['Messages put since the queue manager started', ['qmgr', 'queue']],
  qmq_queue_gets_total: ['Messages got since the queue manager started', ['qmgr', 'queue']],
  qmq_queue_expired_total: ['Messages expired since the queue manager started', ['qmgr', 'queue']],
  qmq_journal_written_bytes_total: ['Log bytes made durable since the start', ['qmgr']],
  qmq_replication_failovers_total: [
    'Moves of the primary to another node (failover or switchover) seen by this node',
    ['qmgr'],
  ],
  qmq_replication_elections_total: [
    'Elections of a primary in a new epoch seen by this node',
    ['qmgr'],
  ],
} as const satisfies Record<string, readonly [string, readonly string[]]>

/** Every metric name the endpoint declares (deploy/ files may use only these). */
export const METRIC_NAMES: readonly string[] = [
  ...Object.keys(GAUGES),
  ...Object.keys(COUNTERS),
  'qmq_journal_batch_records',
  'qmq_journal_fdatasync_seconds',
]

export class NodeMetrics {
  readonly registry = new Registry()
  private readonly gauges = new Map<GaugeName, Gauge>()
  private readonly counters = new Map<CounterName, Counter>()
  private readonly batchRecords = new ExternalHistogram(
    'qmq_journal_batch_records',
    'Records per journal write batch (one write and one fdatasync each)',
    JOURNAL_BATCH_RECORDS_BUCKETS,
  )
  private readonly fdatasyncSeconds = new ExternalHistogram(
    'qmq_journal_fdatasync_seconds',
    'Duration of the journal fdatasync calls',
    JOURNAL_SYNC_MICROS_BUCKETS.map((micros) => micros / 1_000_000),
  )

  constructor(options: { processMetrics?: boolean } = {}) {
    for (const [name, [help, labelNames]] of Object.entries(GAUGES)) {
      const gauge = new Gauge({ name, help, labelNames, registers: [this.registry] })
      this.gauges.set(name as GaugeName, gauge)
    }
    for (const [name, [help, labelNames]] of Object.entries(COUNTERS)) {
      const counter = new Counter({ name, help, labelNames, registers: [this.registry] })
      this.counters.set(name as CounterName, counter)
    }
    this.registry.registerMetric(this.batchRecords as unknown as Metric)
    this.registry.registerMetric(this.fdatasyncSeconds as unknown as Metric)
    if (options.processMetrics === true) collectDefaultMetrics({ register: this.registry })
  }

  get contentType(): string {
    return this.registry.contentType
  }

  /** The exposition text of this snapshot. Callers serialize (one scrape at a time). */
  async render(snapshot: NodeStatusSnapshot): Promise<string> {
    this.update(snapshot)
    return this.registry.metrics()
  }

  private update(snapshot: NodeStatusSnapshot): void {
    for (const gauge of this.gauges.values()) gauge.reset()
    for (const counter of this.counters.values()) counter.reset()
    const { node } = snapshot
    this.gauge('qmq_node_info', { node: node.name, version: node.version }, 1)
    if (node.filesystem !== undefined) {
      this.gauge('qmq_node_filesystem_size_bytes', {}, node.filesystem.sizeBytes)
      this.gauge('qmq_node_filesystem_avail_bytes', {}, node.filesystem.availableBytes)
    }
    const batches: BucketCounts[] = []
    const syncs: BucketCounts[] = []
    for (const qm of snapshot.queueManagers) {
      this.updateQueueManager(qm, snapshot.takenAtMs)
      if (qm.journal === undefined) continue
      const labels = { qmgr: qm.name }
      const { batchRecordsBuckets, syncMicrosBuckets, records, syncMicrosTotal } = qm.journal
      batches.push({ labels, counts: batchRecordsBuckets, sum: records })
      syncs.push({ labels, counts: syncMicrosBuckets, sum: syncMicrosTotal / 1_000_000 })
    }
    this.batchRecords.set(batches)
    this.fdatasyncSeconds.set(syncs)
  }

  private updateQueueManager(qm: QueueManagerSnapshot, nowMs: number): void {
    const qmgr = qm.name
    this.gauge('qmq_queue_manager_status', { qmgr, status: qm.status }, 1)
    this.gauge('qmq_queue_manager_running', { qmgr }, qm.log === undefined ? 0 : 1)
    this.gauge('qmq_queue_manager_role', { qmgr, role: qm.role }, 1)
    this.optional('qmq_queue_manager_epoch', { qmgr }, qm.epoch)
    this.optional('qmq_queue_manager_commit_lsn', { qmgr }, qm.commitLsn)
    this.optional('qmq_queue_manager_durable_lsn', { qmgr }, qm.durableLsn)
    this.optional('qmq_queue_manager_connections', { qmgr }, qm.server?.connections)
    this.optional('qmq_queue_manager_requests_in_flight', { qmgr }, qm.server?.requestsInFlight)
    if (qm.log !== undefined) {
      const log = qm.log
      this.gauge('qmq_queue_manager_current_lsn', { qmgr }, log.currentLsn)
      this.gauge('qmq_journal_disk_bytes', { qmgr }, log.logBytesOnDisk)
      this.gauge('qmq_journal_in_use_bytes', { qmgr }, log.logBytesInUse)
      this.gauge('qmq_journal_checkpoint_age_bytes', { qmgr }, log.currentLsn - log.checkpointLsn)
    }
    if (qm.journal !== undefined)
      this.count('qmq_journal_written_bytes_total', { qmgr }, qm.journal.bytes)
    for (const queue of qm.queues) {
      const labels = { qmgr, queue: queue.name }
      this.gauge('qmq_queue_depth', labels, queue.depth)
      this.gauge('qmq_queue_max_depth', labels, queue.maxDepth)
      const oldest = queue.oldestPutTimeMs
      const age = oldest === undefined ? 0 : Math.max(0, nowMs - oldest) / 1_000
      this.gauge('qmq_queue_oldest_message_age_seconds', labels, age)
      this.count('qmq_queue_puts_total', labels, queue.puts)
      this.count('qmq_queue_gets_total', labels, queue.gets)
      this.count('qmq_queue_expired_total', labels, queue.expired)
    }
    this.updateReplication(qm)
  }

  private updateReplication(qm: QueueManagerSnapshot): void {
    const qmgr = qm.name
    if (qm.ha !== undefined) {
      this.gauge('qmq_replication_quorum', { qmgr }, qm.ha.quorum ? 1 : 0)
      this.count('qmq_replication_failovers_total', { qmgr }, qm.ha.failovers)
      this.count('qmq_replication_elections_total', { qmgr }, qm.ha.elections)
      for (const peer of qm.ha.peers) this.updatePeer(qmgr, peer)
    }
    if (qm.dr !== undefined) {
      this.gauge('qmq_dr_state', { qmgr, role: qm.dr.role, state: qm.dr.state }, 1)
      const peer = qm.dr.remote
      this.optional('qmq_replication_out_of_sync_bytes', { qmgr, peer }, qm.dr.outOfSyncBytes)
      this.optional('qmq_replication_resync_progress_ratio', { qmgr, peer }, qm.dr.resyncProgress)
    }
  }

  private updatePeer(qmgr: string, peer: PeerStatus): void {
    const labels = { qmgr, peer: peer.node }
    this.gauge('qmq_replication_peer_up', labels, peer.link === 'down' ? 0 : 1)
    this.gauge('qmq_replication_peer_role', { ...labels, role: peer.role }, 1)
    this.optional('qmq_replication_replicated_lsn', labels, peer.replicatedLsn)
    this.optional('qmq_replication_lag_bytes', labels, peer.lagBytes)
    this.optional('qmq_replication_lag_seconds', labels, peer.lagSeconds)
    this.optional('qmq_replication_out_of_sync_bytes', labels, peer.outOfSyncBytes)
    this.optional('qmq_replication_resync_progress_ratio', labels, peer.resyncProgress)
  }

  private gauge(name: GaugeName, labels: Record<string, string>, value: number): void {
    this.gauges.get(name)!.set(labels, value)
  }

  private optional(name: GaugeName, labels: Record<string, string>, value: number | undefined) {
    if (value !== undefined) this.gauge(name, labels, value)
  }

  private count(name: CounterName, labels: Record<string, string>, value: number): void {
    this.counters.get(name)!.inc(labels, value)
  }
}
