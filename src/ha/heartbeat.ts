/**
 * rdqm.ini's heartbeat times as the replication core's settings. The core counts ticks
 * (REPLICATION_TICK_MS each), so times are rounded up to whole ticks:
 *
 *   KeepAlive  -> heartbeatIntervalTicks   the primary's heartbeat
 *   DeadTime   -> deadTimeTicks            a primary that hears no quorum this long steps down
 *              -> election timeout         a secondary that hears no primary for 0.75 to 1.5 x
 *                                          DeadTime campaigns (the defaults' 150..300 ms)
 *
 * WarnTime and InitDead are the daemon's (a late peer is logged; a restarted node gives its
 * peers InitDead to appear before it reports them offline), not the core's.
 */
import { DEFAULT_REPLICATION_SETTINGS, REPLICATION_TICK_MS } from '../replication/settings.js'
import type { ReplicationSettings } from '../replication/settings.js'
import type { HeartbeatSettings } from './rdqm-ini.js'

function ticks(milliseconds: number): number {
  return Math.max(1, Math.ceil(milliseconds / REPLICATION_TICK_MS))
}

export function replicationSettingsOf(heartbeat: HeartbeatSettings): ReplicationSettings {
  const deadTimeTicks = ticks(heartbeat.deadtimeMs)
  const heartbeatIntervalTicks = ticks(heartbeat.keepaliveMs)
  const electionTimeoutMinTicks = Math.max(
    Math.ceil(deadTimeTicks * 0.75),
    2 * heartbeatIntervalTicks + 1,
  )
  return {
    ...DEFAULT_REPLICATION_SETTINGS,
    heartbeatIntervalTicks,
    deadTimeTicks,
    electionTimeoutMinTicks,
    electionTimeoutMaxTicks: Math.max(Math.ceil(deadTimeTicks * 1.5), electionTimeoutMinTicks),
  }
}
