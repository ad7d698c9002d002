/**
 * Copy-forward compaction: keeps a queue manager's log bounded when a few old messages stay
 * unread. A message's record can only be dropped with its segment, and checkpoints keep every
 * segment from the oldest live message on, so one old message pins all the log written after it.
 * The compactor rewrites such messages at the log end (MESSAGE_MOVE records, applied through the
 * engine's apply like every record), then takes a checkpoint whose floor is past their old
 * records, and the checkpointer retires the segments below as usual.
 *
 * Crash safety comes from the record and the checkpoint protocol, not from anything here: a MOVE
 * is one checksummed record, so after a crash the message is either still at its old LSN (the
 * MOVE never became durable, and no checkpoint could have moved the floor past the old record,
 * because a checkpoint waits until the log below it is durable) or at its new one.
 *
 * Pacing: a pass moves at most LOG_COMPACTION_ROUND_BYTES per round, waits for the round to be
 * durable and yields LOG_COMPACTION_ROUND_PAUSE_MS before the next, so application puts and gets
 * interleave with it. Messages locked by a unit of work stay; the pass is retried once the log
 * has grown by LOG_COMPACTION_RETRY_INTERVALS checkpoint intervals.
 */
import {
  LOG_COMPACTION_ROUND_BYTES,
  LOG_COMPACTION_ROUND_PAUSE_MS,
  MAX_RECORD_OVERHEAD_BYTES,
} from '../constants.js'
import type { Logger } from '../log.js'
import type { RelocationCandidate, RelocationScan } from '../queue/engine.js'
import { compactionTarget, worthMoving } from './compaction-policy.js'

/** What the compactor needs from a queue manager (injected, so tests can drive it). */
export interface CompactionPort {
  endLsn(): number
  /** Floor of the newest checkpoint. */
  checkpointFloorLsn(): number
  scan(belowLsn: number): RelocationScan
  relocate(candidate: RelocationCandidate): number | undefined
  waitDurable(lsn: number): Promise<void>
  checkpoint(): Promise<void>
  pause(milliseconds: number): Promise<void>
}

export interface CompactionStats {
  readonly passes: number
  readonly messagesMoved: number
  readonly bytesMoved: number
  /** Messages below a target that a unit of work held, at the last pass. */
  readonly lockedAtLastPass: number
  /** Passes skipped because the log below the target was mostly live data. */
  readonly passesSkippedMostlyLive: number
  readonly lastPassMs: number
  readonly running: boolean
}

export class LogCompactor {
  private running: Promise<void> | undefined
  private stopping = false
  private lastPassEndLsn = -Infinity
  private passes = 0
  private messagesMoved = 0
  private bytesMoved = 0
  private lockedAtLastPass = 0
  private passesSkippedMostlyLive = 0
  private lastPassMs = 0

  constructor(
    private readonly port: CompactionPort,
    private readonly checkpointIntervalBytes: number,
    private readonly logger: Logger,
  ) {}

  /** Starts a pass in the background if one is due and none runs; returns it (or undefined). */
  poll(): Promise<void> | undefined {
    if (this.running !== undefined || this.stopping) return this.running
    const targetLsn = compactionTarget({
      endLsn: this.port.endLsn(),
      floorLsn: this.port.checkpointFloorLsn(),
      checkpointIntervalBytes: this.checkpointIntervalBytes,
      lastPassEndLsn: this.lastPassEndLsn,
    })
    if (targetLsn === undefined) return undefined
    this.running = this.pass(targetLsn)
      .catch((error: unknown) => {
        this.logger.error({ err: error }, 'log compaction pass failed')
      })
      .finally(() => {
        this.running = undefined
      })
    return this.running
  }

  /** Lets a running pass finish its round and stops further passes (queue manager close). */
  async stop(): Promise<void> {
    this.stopping = true
    await this.running
  }

  stats(): CompactionStats {
    return {
      passes: this.passes,
      messagesMoved: this.messagesMoved,
      bytesMoved: this.bytesMoved,
      lockedAtLastPass: this.lockedAtLastPass,
      passesSkippedMostlyLive: this.passesSkippedMostlyLive,
      lastPassMs: this.lastPassMs,
      running: this.running !== undefined,
    }
  }

  private async pass(targetLsn: number): Promise<void> {
    const started = performance.now()
    const floorLsn = this.port.checkpointFloorLsn()
    const scan = this.port.scan(targetLsn)
    this.passes++
    this.lockedAtLastPass = scan.lockedCount
    const liveBytes = scan.candidates.reduce((sum, candidate) => sum + candidate.bodyLength, 0)
    let moved = 0
    if (worthMoving(liveBytes, floorLsn, targetLsn)) {
      moved = await this.moveAll(scan.candidates)
    } else {
      this.passesSkippedMostlyLive++
      this.logger.warn({ liveBytes, floorLsn, targetLsn }, 'log below target mostly live: kept')
    }
    // A checkpoint now moves the floor past the old records (it waits for the moves to be
    // durable first). Segments are retired below the smaller floor of the two kept checkpoints,
    // so a second one retires them at once rather than a checkpoint interval later (both are
    // cheap here: few messages moved means a small snapshot). Without moves the regular
    // checkpoints move the floor in their own time.
    if (moved > 0 && !this.stopping) {
      await this.port.checkpoint()
      await this.port.checkpoint()
    }
    this.lastPassEndLsn = this.port.endLsn()
    this.lastPassMs = performance.now() - started
    this.logger.info(
      { targetLsn, moved, locked: scan.lockedCount, ms: Math.round(this.lastPassMs) },
      'log compaction pass',
    )
  }

  /** Moves candidates round by round; returns how many moved. */
  private async moveAll(candidates: readonly RelocationCandidate[]): Promise<number> {
    let moved = 0
    let index = 0
    while (index < candidates.length && !this.stopping) {
      let roundBytes = 0
      let lastLsn = -1
      while (index < candidates.length && roundBytes < LOG_COMPACTION_ROUND_BYTES) {
        const candidate = candidates[index]!
        index++
        const lsn = this.port.relocate(candidate)
        if (lsn === undefined) continue
        lastLsn = lsn
        roundBytes += candidate.bodyLength + MAX_RECORD_OVERHEAD_BYTES
        moved++
        this.messagesMoved++
        this.bytesMoved += candidate.bodyLength
      }
      if (lastLsn >= 0) await this.port.waitDurable(lastLsn)
      await this.port.pause(LOG_COMPACTION_ROUND_PAUSE_MS)
    }
    return moved
  }
}
