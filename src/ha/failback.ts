/**
 * Preferred location and failback (rdqm.md section 3): when the queue manager's preferred node
 * is up, not suspended and caught up (its durable log within HA_IN_SYNC_SLACK_BYTES of the
 * primary's log end), the serving primary hands it the leadership with the core's transfer, so
 * nothing acknowledged is lost or repeated. Checked by every node's housekeeping, acted on only
 * by the serving primary; a transfer that did not happen is tried again after
 * HA_FAILBACK_RETRY_MS.
 */
import {
  HA_FAILBACK_RETRY_MS,
  HA_IN_SYNC_SLACK_BYTES,
  HA_STATUS_REQUEST_TIMEOUT_MS,
} from '../constants.js'
import type { HaSnapshot } from './ha-local.js'
import type { HaNode } from './ha-node.js'
import type { HostedHaQueueManager } from './hosted-ha-queue-manager.js'
import { readHaState } from './membership.js'

const lastAttempt = new WeakMap<HostedHaQueueManager, number>()

/** Whether `preferred` may take over: up, a member, not suspended, caught up. */
export function readyForFailback(primaryEndLsn: number, preferred: HaSnapshot | undefined) {
  const durable = preferred?.member?.replica.durableLsn
  if (preferred === undefined || preferred.suspended === true || durable === undefined) return false
  return primaryEndLsn - durable <= HA_IN_SYNC_SLACK_BYTES
}

export async function failBack(node: HaNode, hosted: HostedHaQueueManager): Promise<void> {
  const status = await hosted.memberStatus()
  if (status === undefined || !status.serving) return
  const preferred = readHaState(hosted.paths).preferredLocation
  if (preferred === undefined || preferred === status.node) return
  const peer = node.peers().find((each) => each.name === preferred)
  if (peer === undefined) return
  const last = lastAttempt.get(hosted) ?? 0
  if (Date.now() - last < HA_FAILBACK_RETRY_MS) return
  const snapshot = await node
    .request<HaSnapshot>(
      peer,
      'ha-status',
      { queueManager: hosted.name },
      HA_STATUS_REQUEST_TIMEOUT_MS,
    )
    .catch(() => undefined)
  if (!readyForFailback(status.journalEndLsn, snapshot)) return
  lastAttempt.set(hosted, Date.now())
  node.logger.info({ qm: hosted.name, to: preferred }, 'preferred location caught up: failing back')
  hosted.transferLeadership(preferred)
}
