/**
 * Replication actor thread: one per replicated queue manager. It runs the replication core
 * (through ReplicationShell), the tick timer, the hard state file and the TCP links to the
 * peers, off the main thread, so a garbage-collection pause or a busy event loop on the main
 * thread cannot make a primary miss its heartbeats or a secondary start a needless election.
 *
 *   journal worker ── final batch (before fdatasync) ──▶ batch ring (SAB) ──┐
 *   journal control block (SAB): durable end LSN ─── Atomics.waitAsync ───┐ │
 *                                                                         ▼ ▼
 *   peers ◀══ TCP (repwire frames) ══▶ PeerLinks ──▶ ReplicationShell ──▶ Replica.step()
 *                                                        │  effects, in order
 *                       hard state file ◀────────────────┤ (write-temp, fsync, rename, dir fsync)
 *                       commit block (SAB) ◀─────────────┤ commit LSN; the main thread waits on it
 *   journal worker ◀── verbatim ring (SAB) ◀─────────────┤ follower records (VerbatimFeed)
 *   main thread ◀══ event port (EventOutbox) ═══════════┘ written / truncate / epoch start / roles
 *   main thread ══▶ comlink: start, cutDone, transfer, status, stats, close
 *
 * One worker holds both actors of the design card (replication sender and quorum agent): on
 * this 2-core machine a second thread would make every acknowledgement cross one more thread,
 * and heartbeats and appends share one core state anyway (a heartbeat response advances the
 * commit LSN just like an append response does).
 *
 * The supervisor (src/actors/supervisor/) starts this worker and watches it; a crash is
 * fail-stop (see handle.ts for why): the member fails and restarts as a process, recovering its
 * log and its hard state (epoch, vote) from disk.
 */
import { workerData } from 'node:worker_threads'
import type { MessagePort } from 'node:worker_threads'
import * as Comlink from 'comlink'
import { REPLICATION_TICK_MS } from '../../replication/settings.js'
import { childLogger } from '../../log.js'
import { FramedRing } from '../../ring/framed-ring.js'
import { portEndpoint } from '../../runtime/comlink-port.js'
import { JournalControlBlock } from '../journal/control-block.js'
import { ControlSlot } from '../journal/messages.js'
import { CommitBlock } from './commit-block.js'
import { EventOutbox } from './event-outbox.js'
import type { ReplicationControl, ReplicationEvent, ReplicationWorkerData } from './messages.js'
import { PeerLinks } from './peer-links.js'
import { ReplicationShell } from './replication-shell.js'
import { VerbatimFeed } from './verbatim-feed.js'

const data = workerData as ReplicationWorkerData & {
  controlPort: MessagePort
  eventPort: MessagePort
}
const logger = childLogger({ actor: 'replication', node: data.self })
const journalControl = new JournalControlBlock(data.journalControlBuffer)
const batchRing = FramedRing.attach(data.batchRingBuffer)
const feed = new VerbatimFeed(
  FramedRing.attach(data.verbatimRingBuffer),
  FramedRing.attach(data.journalRingBuffer),
)
const commit = new CommitBlock(data.commitBuffer)
let closing = false
let localBatches = 0
let verbatimBytes = 0

/** Events to the main thread: pushed on their own port, a follower's once durable. */
const outbox = new EventOutbox(
  (events) => data.eventPort.postMessage(events),
  () => journalControl.durableEndLsn,
)

function post(event: ReplicationEvent): void {
  if (event.type === 'write') verbatimBytes += event.records.length
  outbox.post(event)
}

const self = data.members.find((member) => member.id === data.self)!
const links = new PeerLinks({
  identity: {
    queueManager: data.queueManager,
    group: data.group,
    node: data.self,
    members: data.members.map((member) => member.id),
    secret: data.linkSecurity?.secret,
  },
  tls: data.linkSecurity?.tls,
  self,
  peers: data.members.filter((member) => member.id !== data.self),
  logger,
  onMessage: (message) => shell.receive(message),
})
const shell = new ReplicationShell(data, {
  links,
  commit,
  feed,
  logger,
  post,
  readDurable: () => journalControl.durableEndLsn,
})

/** Feeds the journal's durable end to the core whenever the journal publishes a new one. */
async function watchDurable(): Promise<void> {
  while (!closing) {
    const sequence = journalControl.sequence
    shell.durable(journalControl.durableEndLsn)
    outbox.flushSoon()
    const wait = Atomics.waitAsync(journalControl.int32, ControlSlot.DURABLE_SEQUENCE, sequence)
    if (wait.async) await wait.value
  }
}

/** Takes final local batches as the journal worker publishes them. */
async function consumeBatches(): Promise<void> {
  const visit = (bytes: Uint8Array, offset: number, length: number): void => {
    localBatches++
    shell.localBatch(bytes.slice(offset, offset + length))
  }
  while (!closing) {
    if (!(await batchRing.waitForDataAsync(REPLICATION_TICK_MS * 20))) continue
    batchRing.readBatch(visit)
    batchRing.releaseAll()
  }
}

let ticker: NodeJS.Timeout | undefined
let started: Promise<void> | undefined

async function startActor(): Promise<void> {
  await links.start()
  ticker = setInterval(() => shell.tick(), REPLICATION_TICK_MS)
  void watchDurable()
  void consumeBatches()
}

const controlApi: ReplicationControl = {
  start() {
    started ??= startActor()
    return started
  },
  cutDone: () => shell.cutDone(),
  transfer: (to) => shell.transfer(to),
  promote: () => shell.admin('promote'),
  demote: () => shell.admin('demote'),
  checkpointTaken: (lsn) => shell.checkpointTaken(lsn),
  logRetired: (lsn) => shell.logRetired(lsn),
  status: () => ({
    status: shell.replica.status(),
    links: links.connected,
    history: shell.replica.epochHistory,
  }),
  stats: () => ({
    localBatches,
    verbatimBytes,
    verbatimQueuedBytes: feed.queuedBytes,
    links: links.connected,
  }),
  async close() {
    closing = true
    clearInterval(ticker)
    feed.close()
    links.close()
    shell.close()
    // Let comlink send this reply, then end the thread: pending waits (durable, batch ring)
    // would otherwise keep its loop alive.
    setTimeout(() => {
      data.eventPort.close()
      data.controlPort.close()
      process.exit(0)
    }, 0)
    return Promise.resolve()
  },
}

Comlink.expose(controlApi, portEndpoint(data.controlPort))
