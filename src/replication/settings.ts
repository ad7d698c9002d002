/**
 * Named replication settings. Times are in ticks: the core has no clock, the shell calls tick()
 * at a fixed interval (REPLICATION_TICK_MS) and so maps every setting below to wall time.
 *
 * With the defaults and a 5 ms tick: heartbeat every 25 ms, a secondary that hears nothing for
 * 30..60 ticks (150..300 ms) runs a pre-vote, a primary that hears no quorum for 40 ticks
 * (200 ms) steps down. On loopback a new primary is serving well within a second.
 */
import { assert } from '../assert.js'
import { MAX_REPLICATION_APPEND_BYTES } from '../constants.js'

/** Wall time of one tick in the shells (the core never reads it). */
export const REPLICATION_TICK_MS = 5

export interface ReplicationSettings {
  /** A primary sends a heartbeat (commit LSN, liveness) this often. */
  readonly heartbeatIntervalTicks: number
  /** Election timeout, drawn afresh in [min, max] each time the timer restarts (jitter). */
  readonly electionTimeoutMinTicks: number
  readonly electionTimeoutMaxTicks: number
  /** A primary that has not heard a quorum for this long steps down (check-quorum). */
  readonly deadTimeTicks: number
  /** Bytes sent to one peer and not yet acknowledged, beyond which sending pauses. */
  readonly maxInflightBytes: number
  /** The retention floor never trails the log end by more than this: a dead member cannot pin
   *  the disk; past it, that member catches up through a checkpoint. */
  readonly retentionMaxBytes: number
  /** DR synchronous: how long the primary waits for its secondary before carrying on alone. */
  readonly syncTimeoutTicks: number
  /** A leadership transfer that has not completed in this long is abandoned. */
  readonly transferTimeoutTicks: number
  /** LSN span of one APPEND at most (default MAX_REPLICATION_APPEND_BYTES, the wire's limit);
   *  the simulator sets it small so that split catch-up is exercised. */
  readonly maxAppendBytes?: number
}

export const DEFAULT_REPLICATION_SETTINGS: ReplicationSettings = {
  heartbeatIntervalTicks: 5,
  electionTimeoutMinTicks: 30,
  electionTimeoutMaxTicks: 60,
  deadTimeTicks: 40,
  maxInflightBytes: 8 * 1024 * 1024,
  retentionMaxBytes: 1024 * 1024 * 1024,
  syncTimeoutTicks: 200,
  transferTimeoutTicks: 60,
}

export function checkSettings(settings: ReplicationSettings): void {
  const positive = (value: number): boolean => Number.isSafeInteger(value) && value > 0
  assert(positive(settings.heartbeatIntervalTicks), 'settings: heartbeat interval > 0')
  assert(positive(settings.electionTimeoutMinTicks), 'settings: election timeout > 0')
  assert(
    settings.electionTimeoutMaxTicks >= settings.electionTimeoutMinTicks,
    'settings: election timeout range max >= min',
  )
  // A secondary must hear several heartbeats per election timeout, or it campaigns needlessly.
  assert(
    settings.heartbeatIntervalTicks * 2 < settings.electionTimeoutMinTicks,
    'settings: two heartbeats fit in the shortest election timeout',
  )
  // Check-quorum must depose an unreachable primary before a secondary would rather wait for it.
  assert(positive(settings.deadTimeTicks), 'settings: dead time > 0')
  assert(positive(settings.maxInflightBytes), 'settings: inflight window > 0')
  assert(positive(settings.retentionMaxBytes), 'settings: retention bound > 0')
  assert(positive(settings.syncTimeoutTicks), 'settings: sync timeout > 0')
  assert(positive(settings.transferTimeoutTicks), 'settings: transfer timeout > 0')
  const maxAppendBytes = appendLimitOf(settings)
  assert(positive(maxAppendBytes), 'settings: an APPEND holds bytes')
  assert(maxAppendBytes <= MAX_REPLICATION_APPEND_BYTES, 'settings: an APPEND fits a frame')
}

export function appendLimitOf(settings: ReplicationSettings): number {
  return settings.maxAppendBytes ?? MAX_REPLICATION_APPEND_BYTES
}
