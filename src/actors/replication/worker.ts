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
 *                       main thread ◀── postMessage ─────┘ write / truncate / epoch start / roles
 *
 * One worker holds both actors of the design card (replication sender and quorum agent): on
 * this 2-core machine a second thread would make every acknowledgement cross one more thread,
 * and heartbeats and appends share one core state anyway (a heartbeat response advances the
 * commit LSN just like an append response does).
 */
import { parentPort, workerData } from 'node:worker_threads'
import { REPLICATION_TICK_MS } from '../../replication/settings.js'
import { childLogger } from '../../log.js'
import { FramedRing } from '../../ring/framed-ring.js'
import { JournalControlBlock } from '../journal/control-block.js'
import { ControlSlot } from '../journal/messages.js'
import { CommitBlock } from './commit-block.js'
import type { ReplicationCommand, ReplicationEvent, ReplicationWorkerData } from './messages.js'
import { PeerLinks } from './peer-links.js'
import { ReplicationShell } from './replication-shell.js'

const data = workerData as ReplicationWorkerData
const port = parentPort!
const logger = childLogger({ actor: 'replication', node: data.self })
const journalControl = new JournalControlBlock(data.journalControlBuffer)
const batchRing = FramedRing.attach(data.batchRingBuffer)
const commit = new CommitBlock(data.commitBuffer)
let closing = false

const post = (event: ReplicationEvent): void => port.postMessage(event)
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
  logger,
  post,
  readDurable: () => journalControl.durableEndLsn,
})

/** Feeds the journal's durable end to the core whenever the journal publishes a new one. */
async function watchDurable(): Promise<void> {
  while (!closing) {
    const sequence = journalControl.sequence
    shell.durable(journalControl.durableEndLsn)
    const wait = Atomics.waitAsync(journalControl.int32, ControlSlot.DURABLE_SEQUENCE, sequence)
    if (wait.async) await wait.value
  }
}

/** Takes final local batches as the journal worker publishes them. */
async function consumeBatches(): Promise<void> {
  const visit = (bytes: Uint8Array, offset: number, length: number): void => {
    shell.localBatch(bytes.slice(offset, offset + length))
  }
  while (!closing) {
    if (!(await batchRing.waitForDataAsync(REPLICATION_TICK_MS * 20))) continue
    batchRing.readBatch(visit)
    batchRing.releaseAll()
  }
}

function onCommand(command: ReplicationCommand): void {
  switch (command.type) {
    case 'cut-done':
      shell.cutDone()
      break
    case 'transfer':
      shell.transfer(command.to)
      break
    case 'status':
      post({ type: 'status', status: shell.replica.status(), links: links.connected })
      break
    case 'close':
      closing = true
      clearInterval(ticker)
      links.close()
      shell.close()
      post({ type: 'closed' })
      port.close()
      break
  }
}

await links.start()
port.on('message', onCommand)
const ticker = setInterval(() => shell.tick(), REPLICATION_TICK_MS)
void watchDurable()
void consumeBatches()
