/**
 * What a primary knows of each peer (etcd raft's tracker.Progress, on byte LSNs).
 *
 * | mode       | meaning                                          | sends                        |
 * |------------|--------------------------------------------------|------------------------------|
 * | probe      | where the peer's log matches is not known yet    | one range, then waits        |
 * | pipeline   | the peer matched; ranges stream as they appear   | while inflight < window      |
 * | checkpoint | the peer needs LSNs below the retained log       | a checkpoint, then waits     |
 *
 * matchLsn is what the peer has durably written and verified against this primary's log; it is
 * what the commit rule counts. nextLsn is where the next range starts: always a record boundary
 * of this primary's log (a match, an end already sent, or a divergence point).
 */
import { assert } from '../assert.js'

export type ProgressMode = 'probe' | 'pipeline' | 'checkpoint'

export class PeerProgress {
  matchLsn = 0
  nextLsn: number
  /** Highest end LSN sent and not yet known to be matched. */
  sentLsn: number
  mode: ProgressMode = 'probe'
  /** In probe and checkpoint mode: something is outstanding, wait for an answer or a beat. */
  paused = false
  lastHeardTick: number

  constructor(
    readonly memberId: string,
    endLsn: number,
    nowTick: number,
  ) {
    this.nextLsn = endLsn
    this.sentLsn = endLsn
    // A new primary counts its peers as heard at the start of its term (etcd's RecentActive).
    this.lastHeardTick = nowTick
  }

  get inflightBytes(): number {
    return Math.max(0, this.sentLsn - this.matchLsn)
  }

  /** May a range go out now? */
  canSend(maxInflightBytes: number): boolean {
    if (this.paused) return false
    if (this.mode === 'pipeline') return this.inflightBytes < maxInflightBytes
    return true
  }

  /** A range [fromLsn, endLsn) went out. */
  sent(fromLsn: number, endLsn: number): void {
    assert(fromLsn === this.nextLsn, 'progress: ranges are sent in order')
    assert(endLsn >= fromLsn, 'progress: a range ends after it starts')
    this.nextLsn = endLsn
    this.sentLsn = Math.max(this.sentLsn, endLsn)
    if (this.mode !== 'pipeline') this.paused = true
  }

  /**
   * A part of a longer range went out, cut at most at `limitLsn` by the shell on a record
   * boundary the core does not know: nextLsn stays, and sending waits for the peer's answer,
   * whose verifiedLsn is where the part ended (a lost part is re-sent on the next beat).
   */
  sentPart(fromLsn: number, limitLsn: number): void {
    assert(fromLsn === this.nextLsn, 'progress: ranges are sent in order')
    assert(limitLsn > fromLsn, 'progress: a part holds bytes')
    this.sentLsn = Math.max(this.sentLsn, limitLsn)
    this.paused = true
  }

  /** The peer accepted up to verifiedLsn and has made matchLsn durable. */
  accepted(matchLsn: number, verifiedLsn: number): void {
    this.matchLsn = Math.max(this.matchLsn, matchLsn)
    this.nextLsn = Math.max(this.nextLsn, verifiedLsn, this.matchLsn)
    this.sentLsn = Math.max(this.sentLsn, this.nextLsn)
    this.mode = 'pipeline'
    this.paused = false
  }

  /** The peer's log differs from `agreedLsn` on; probe from there. */
  rejected(agreedLsn: number): void {
    this.nextLsn = Math.max(agreedLsn, this.matchLsn)
    this.sentLsn = this.nextLsn
    this.mode = 'probe'
    this.paused = false
  }

  /**
   * The peer's log ends below what it had durably matched: it lost its disk (a DR node rebuilt
   * with an empty directory). What it matched is gone; probe from where it agrees now.
   */
  lost(agreedLsn: number): void {
    this.matchLsn = Math.min(this.matchLsn, agreedLsn)
    this.nextLsn = agreedLsn
    this.sentLsn = agreedLsn
    this.mode = 'probe'
    this.paused = false
  }

  /** The peer's verified log ends below what was sent: messages were lost, resend. */
  resendFrom(verifiedLsn: number): void {
    const from = Math.max(verifiedLsn, this.matchLsn)
    if (from >= this.nextLsn) return
    this.nextLsn = from
    this.sentLsn = from
    this.paused = false
  }

  needsCheckpoint(): void {
    this.mode = 'checkpoint'
    this.paused = true
  }

  /** A heartbeat interval passed: an outstanding probe or checkpoint may be lost, retry. */
  beat(): void {
    this.paused = false
  }
}
