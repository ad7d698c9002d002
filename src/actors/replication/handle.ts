/**
 * Main-thread side of the replication actor. Starts the worker, hands it the shared memory it
 * reads (journal control block, batch ring) and writes (commit block), and turns its messages
 * into 'event' emissions that the replicated queue manager performs in order. Commands go the
 * other way: a cut is done, transfer leadership, status, checkpoint taken, log retired, close.
 *
 * The worker is not restarted by a supervisor: its core state is rebuilt from the log at start,
 * so a crashed worker fails the member (the process exits and is restarted, like a crash), which
 * the rest of the group handles like any member failure.
 */
import { EventEmitter } from 'node:events'
import { Worker } from 'node:worker_threads'
import { ErrorCode, QmqError } from '../../errors.js'
import type { EpochRun } from '../../replication/epoch-history.js'
import type { ReplicaStatus } from '../../replication/replica.js'
import { compiledModuleUrl } from '../../runtime/package-root.js'
import { CommitBlock } from './commit-block.js'
import type { ReplicationCommand, ReplicationEvent, ReplicationWorkerData } from './messages.js'

export interface ReplicationHandleEvents {
  event: [event: ReplicationEvent]
  failed: [error: Error]
}

export interface ReplicationStatus {
  readonly status: ReplicaStatus
  readonly links: string[]
  readonly history: readonly EpochRun[]
}

export type ReplicationStartOptions = Omit<ReplicationWorkerData, 'commitBuffer' | 'logLevel'>

export class ReplicationHandle extends EventEmitter<ReplicationHandleEvents> {
  readonly commit: CommitBlock
  private readonly worker: Worker
  private statusWaiters: ((status: ReplicationStatus) => void)[] = []
  private closed: Promise<void> | undefined
  private exited = false

  constructor(options: ReplicationStartOptions) {
    super()
    this.commit = CommitBlock.create(options.commitLsn)
    const workerData: ReplicationWorkerData = {
      ...options,
      commitBuffer: this.commit.buffer,
      logLevel: process.env['QMQ_LOG_LEVEL'],
    }
    this.worker = new Worker(compiledModuleUrl('actors/replication/worker'), { workerData })
    this.worker.on('message', (event: ReplicationEvent) => this.onEvent(event))
    this.worker.on('error', (error) => this.emit('failed', error))
    this.worker.on('exit', (code) => {
      this.exited = true
      if (this.closed === undefined) {
        const error = new QmqError(ErrorCode.ACTOR_FAILED, `replication worker exited (${code})`)
        this.emit('failed', error)
      }
    })
  }

  transferLeadership(to: string): void {
    this.command({ type: 'transfer', to })
  }

  cutDone(): void {
    this.command({ type: 'cut-done' })
  }

  checkpointTaken(lsn: number): void {
    this.command({ type: 'checkpoint-taken', lsn })
  }

  logRetired(lsn: number): void {
    this.command({ type: 'log-retired', lsn })
  }

  status(): Promise<ReplicationStatus> {
    return new Promise((resolve) => {
      this.statusWaiters.push(resolve)
      this.command({ type: 'status' })
    })
  }

  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      if (this.exited) return resolve()
      this.worker.once('exit', () => resolve())
      this.command({ type: 'close' })
      setTimeout(() => void this.worker.terminate(), 2_000).unref()
    })
    return this.closed
  }

  private command(command: ReplicationCommand): void {
    if (!this.exited) this.worker.postMessage(command)
  }

  private onEvent(event: ReplicationEvent): void {
    if (event.type === 'status') {
      const waiters = this.statusWaiters
      this.statusWaiters = []
      for (const waiter of waiters) waiter(event)
      return
    }
    if (event.type === 'closed') return
    this.emit('event', event)
  }
}
