/**
 * The supervisor owns actor lifecycles on the main thread: it starts each actor's worker, watches
 * it, and restarts a crashed actor with exponential backoff, at most RESTART_BUDGET_COUNT times
 * per RESTART_BUDGET_WINDOW_MS. Past the budget the actor is declared failed and its owner (the
 * queue manager) fails with a clear error rather than crash-looping.
 *
 * Before a restart the spec's `fence` runs with the new generation: rings shared with the dead
 * worker bump their generation so nothing the old worker might still publish is accepted.
 *
 * An actor whose spec says `restart: false` is fail-stop: its first unexpected exit declares
 * it failed at once (the replication actor, whose owner restarts as a whole process instead).
 */
import { EventEmitter } from 'node:events'
import type { Worker } from 'node:worker_threads'
import { assert } from '../../assert.js'
import {
  ACTOR_SHUTDOWN_TIMEOUT_MS,
  RESTART_BACKOFF_INITIAL_MS,
  RESTART_BACKOFF_MAX_MS,
  RESTART_BUDGET_COUNT,
  RESTART_BUDGET_WINDOW_MS,
} from '../../constants.js'
import { ErrorCode, QmqError } from '../../errors.js'
import type { Logger } from '../../log.js'
import { decideRestart, type RestartHistory } from './restart-policy.js'

export interface ActorSpec {
  readonly name: string
  /** False: fail-stop, never restarted in place (default true: restart within the budget). */
  readonly restart?: boolean
  /** Creates the worker of one generation (1 for the first start). */
  spawn(generation: number): Worker
  /** Runs before generation `generation` is spawned after a crash. */
  fence?(generation: number): void
  /** Asks the worker to finish cleanly; the supervisor terminates it after a timeout. */
  shutdown?(worker: Worker): Promise<void>
}

export interface ActorRef {
  readonly name: string
  readonly generation: number
  readonly worker: Worker
}

interface ActorEntry {
  spec: ActorSpec
  generation: number
  worker: Worker
  history: RestartHistory
  /** Set once stop() was called: the exit that follows is expected. */
  stopping: Promise<void> | undefined
  failed: boolean
  restartTimer: NodeJS.Timeout | undefined
}

export interface SupervisorEvents {
  'actor-restarted': [name: string, generation: number, cause: unknown]
  'actor-failed': [name: string, error: QmqError]
}

export class Supervisor extends EventEmitter<SupervisorEvents> {
  private readonly actors = new Map<string, ActorEntry>()

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    super()
  }

  start(spec: ActorSpec): ActorRef {
    assert(!this.actors.has(spec.name), `actor ${spec.name} already started`)
    const entry: ActorEntry = {
      spec,
      generation: 1,
      worker: spec.spawn(1),
      history: { restartTimesMs: [] },
      stopping: undefined,
      failed: false,
      restartTimer: undefined,
    }
    this.actors.set(spec.name, entry)
    this.watch(entry)
    return this.reference(entry)
  }

  current(name: string): ActorRef | undefined {
    const entry = this.actors.get(name)
    return entry === undefined ? undefined : this.reference(entry)
  }

  /** Stops an actor for good; concurrent calls share one stop. */
  stop(name: string): Promise<void> {
    const entry = this.actors.get(name)
    if (entry === undefined) return Promise.resolve()
    entry.stopping ??= this.stopEntry(entry).finally(() => this.actors.delete(name))
    return entry.stopping
  }

  /**
   * Asks the worker to finish (spec.shutdown), and waits for it to exit; a worker that has not
   * exited after ACTOR_SHUTDOWN_TIMEOUT_MS is terminated. The wait is on the exit itself, not on
   * the shutdown call, whose reply may never come if the worker dies first.
   */
  private async stopEntry(entry: ActorEntry): Promise<void> {
    clearTimeout(entry.restartTimer)
    const worker = entry.worker
    const exited = new Promise<void>((resolve) => {
      if (worker.threadId < 0) resolve()
      else worker.once('exit', () => resolve())
    })
    const timeout = setTimeout(() => void worker.terminate(), ACTOR_SHUTDOWN_TIMEOUT_MS)
    try {
      if (entry.spec.shutdown !== undefined && !entry.failed) {
        entry.spec.shutdown(worker).catch((error: unknown) => {
          this.logger.warn({ actor: entry.spec.name, err: error }, 'actor shutdown failed')
          void worker.terminate()
        })
      } else {
        void worker.terminate()
      }
      await exited
    } finally {
      clearTimeout(timeout)
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.actors.keys()].map((name) => this.stop(name)))
  }

  private reference(entry: ActorEntry): ActorRef {
    return { name: entry.spec.name, generation: entry.generation, worker: entry.worker }
  }

  private watch(entry: ActorEntry): void {
    const worker = entry.worker
    let lastError: unknown
    worker.on('error', (error) => {
      lastError = error
      this.logger.error({ actor: entry.spec.name, err: error }, 'actor crashed')
    })
    worker.once('exit', (code) => {
      if (entry.stopping !== undefined || worker !== entry.worker) return
      this.onUnexpectedExit(entry, lastError ?? new Error(`worker exited with code ${code}`))
    })
  }

  private onUnexpectedExit(entry: ActorEntry, cause: unknown): void {
    if (entry.spec.restart === false) {
      entry.failed = true
      const error = new QmqError(
        ErrorCode.ACTOR_FAILED,
        `actor ${entry.spec.name} exited unexpectedly; it is fail-stop, not restarted`,
        { actor: entry.spec.name },
        { cause },
      )
      this.logger.error({ actor: entry.spec.name, err: cause }, 'fail-stop actor failed')
      this.emit('actor-failed', entry.spec.name, error)
      return
    }
    const decision = decideRestart(entry.history, this.now(), {
      budgetCount: RESTART_BUDGET_COUNT,
      budgetWindowMs: RESTART_BUDGET_WINDOW_MS,
      backoffInitialMs: RESTART_BACKOFF_INITIAL_MS,
      backoffMaxMs: RESTART_BACKOFF_MAX_MS,
    })
    entry.history = decision.history
    if (decision.kind === 'give-up') {
      entry.failed = true
      const error = new QmqError(
        ErrorCode.RESTART_BUDGET_EXHAUSTED,
        `actor ${entry.spec.name} crashed ${RESTART_BUDGET_COUNT} times within ` +
          `${RESTART_BUDGET_WINDOW_MS} ms; not restarting`,
        { actor: entry.spec.name },
        { cause },
      )
      this.logger.error({ actor: entry.spec.name, err: cause }, 'restart budget exhausted')
      this.emit('actor-failed', entry.spec.name, error)
      return
    }
    this.logger.warn({ actor: entry.spec.name, delayMs: decision.delayMs }, 'restarting actor')
    entry.restartTimer = setTimeout(() => this.restart(entry, cause), decision.delayMs)
  }

  private restart(entry: ActorEntry, cause: unknown): void {
    if (entry.stopping !== undefined) return
    entry.generation++
    entry.spec.fence?.(entry.generation)
    entry.worker = entry.spec.spawn(entry.generation)
    this.watch(entry)
    this.emit('actor-restarted', entry.spec.name, entry.generation, cause)
  }
}
