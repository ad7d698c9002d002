/**
 * Main-thread side of the replication actor. Starts the worker under the supervisor, hands it
 * the shared memory it reads (journal control block, batch ring) and writes (commit block,
 * verbatim ring), and talks to it over one comlink control channel (messages.ts,
 * ReplicationControl): start, cutDone, transfer, status, stats, close. The worker pushes its
 * events on a port of their own; they are emitted as 'event's, in order, once the worker has
 * started, and the replicated queue manager performs them.
 *
 * Crash policy: fail-stop. The supervisor does not restart this worker in place; its first
 * unexpected exit is a failed member ('failed' here; member-main exits, the host restarts the
 * process, which recovers its log and its hard state, epoch and vote, from disk). Why not a
 * restart in place: the worker's state is more than the core (which the log and the hard-state
 * file would rebuild): records it queued for the journal but had not yet fed, cuts it was
 * waiting on, a deposed primary's hand-over, the core's belief that its log is durable at start.
 * Rebuilding those beside a running engine duplicates what process recovery already does and is
 * tested for (kill -9), and a wrong rebuild could acknowledge a record that is not durable. A
 * failed secondary costs the group nothing while a quorum remains; a failed primary costs one
 * election (~1 s), like a crash. The vote is never forgotten: it is on disk before any message
 * that depends on it is sent, and the restarted process reads it back.
 */
import { EventEmitter } from 'node:events'
import { MessageChannel, Worker } from 'node:worker_threads'
import * as Comlink from 'comlink'
import { ErrorCode, QmqError } from '../../errors.js'
import type { Logger } from '../../log.js'
import { compiledModuleUrl } from '../../runtime/package-root.js'
import { portEndpoint } from '../../runtime/comlink-port.js'
import type { Supervisor } from '../supervisor/supervisor.js'
import { CommitBlock } from './commit-block.js'
import type {
  ReplicationControl,
  ReplicationEvent,
  ReplicationStats,
  ReplicationStatusReport,
  ReplicationWorkerData,
} from './messages.js'

export const REPLICATION_ACTOR_NAME = 'replication'

export interface ReplicationHandleEvents {
  event: [event: ReplicationEvent]
  failed: [error: Error]
}

export type ReplicationStartOptions = Omit<ReplicationWorkerData, 'commitBuffer' | 'logLevel'> & {
  readonly supervisor: Supervisor
  readonly logger: Logger
}

export class ReplicationHandle extends EventEmitter<ReplicationHandleEvents> {
  readonly commit: CommitBlock
  private control: Comlink.Remote<ReplicationControl> | undefined
  private closing = false
  private failure: Error | undefined
  private readonly readiness: Promise<void>
  private markReady!: () => void
  private markNotReady!: (error: Error) => void

  private constructor(private readonly options: ReplicationStartOptions) {
    super()
    this.commit = CommitBlock.create(options.commitLsn)
    this.readiness = new Promise((resolve, reject) => {
      this.markReady = resolve
      this.markNotReady = reject
    })
    // A failure before anyone awaits ready() must not be an unhandled rejection.
    this.readiness.catch(() => undefined)
  }

  static start(options: ReplicationStartOptions): ReplicationHandle {
    const handle = new ReplicationHandle(options)
    const { supervisor } = options
    supervisor.start({
      name: REPLICATION_ACTOR_NAME,
      restart: false,
      spawn: (generation) => handle.spawn(generation),
      shutdown: async () => {
        await handle.control?.close()
      },
    })
    supervisor.on('actor-failed', (name, error) => {
      if (name === REPLICATION_ACTOR_NAME) handle.fail(error)
    })
    return handle
  }

  /** Resolves once the worker runs (links listening, tick started); rejects if it cannot
   *  start (its replication port taken) or fails first, so an open never waits forever. */
  ready(): Promise<void> {
    return this.readiness
  }

  transferLeadership(to: string): void {
    void this.call((control) => control.transfer(to))
  }

  /** DR: the core's refusal reason, or undefined when done. */
  async promote(): Promise<string | undefined> {
    return this.call((control) => control.promote())
  }

  async demote(): Promise<string | undefined> {
    return this.call((control) => control.demote())
  }

  cutDone(): void {
    void this.call((control) => control.cutDone())
  }

  checkpointTaken(lsn: number): void {
    void this.call((control) => control.checkpointTaken(lsn))
  }

  logRetired(lsn: number): void {
    void this.call((control) => control.logRetired(lsn))
  }

  async status(): Promise<ReplicationStatusReport> {
    return this.call((control) => control.status())
  }

  async stats(): Promise<ReplicationStats> {
    return this.call((control) => control.stats())
  }

  async close(): Promise<void> {
    this.closing = true
    await this.options.supervisor.stop(REPLICATION_ACTOR_NAME)
  }

  private async call<T>(run: (control: Comlink.Remote<ReplicationControl>) => Promise<T>) {
    if (this.failure !== undefined) throw this.failure
    if (this.control === undefined) throw new QmqError(ErrorCode.ACTOR_FAILED, 'not started')
    return run(this.control)
  }

  private fail(error: Error): void {
    if (this.failure !== undefined || this.closing) return
    this.failure = new QmqError(ErrorCode.ACTOR_FAILED, `replication worker failed`, undefined, {
      cause: error,
    })
    this.markNotReady(this.failure)
    this.emit('failed', this.failure)
  }

  private spawn(generation: number): Worker {
    const { supervisor: _supervisor, logger: _logger, ...data } = this.options
    const channel = new MessageChannel()
    const eventChannel = new MessageChannel()
    const workerData: ReplicationWorkerData & { controlPort: unknown; eventPort: unknown } = {
      ...data,
      commitBuffer: this.commit.buffer,
      logLevel: process.env['QMQ_LOG_LEVEL'],
      controlPort: channel.port2,
      eventPort: eventChannel.port2,
    }
    const worker = new Worker(compiledModuleUrl('actors/replication/worker'), {
      workerData,
      transferList: [channel.port2, eventChannel.port2],
    })
    // Events that arrive before the start reply wait for it (they used to, as replies).
    let early: ReplicationEvent[] | undefined = []
    eventChannel.port1.on('message', (events: ReplicationEvent[]) => {
      if (early !== undefined) early.push(...events)
      else this.emitEvents(events)
    })
    // The worker's exit closes the port; it must not keep this thread's loop alive itself.
    eventChannel.port1.unref()
    const control = Comlink.wrap<ReplicationControl>(portEndpoint(channel.port1))
    this.control = control
    control
      .start()
      .then(() => {
        this.markReady()
        const waiting = early ?? []
        early = undefined
        this.emitEvents(waiting)
      })
      .catch((error: unknown) => {
        // A worker that cannot start (its replication port taken) must fail the open, not
        // leave it waiting forever.
        this.markNotReady(error instanceof Error ? error : new Error(String(error)))
        if (!this.closing) this.options.logger.warn({ err: error, generation }, 'control failed')
      })
    return worker
  }

  private emitEvents(events: readonly ReplicationEvent[]): void {
    for (const event of events) {
      if (this.closing || this.failure !== undefined) return
      this.emit('event', event)
    }
  }
}
