/**
 * The node's one status source: takes snapshots (node-status.ts) with the contributors that HA
 * and DR code register, and keeps the role/status timeline. The metrics endpoint, the console's
 * JSON API, the `status` control command (`qmqd send status`) and rdqmstatus (text and --json,
 * from the HA contributor's report) all read it.
 */
import { OPS_TIMELINE_MAX_EVENTS } from '../constants.js'
import type { DaemonContext } from '../daemon/daemon-context.js'
import {
  collectNodeStatus,
  type NodeStatusSnapshot,
  type StatusContributor,
} from './node-status.js'
import { StatusTimeline, type TimelineEvent } from './status-timeline.js'

export class StatusSource {
  private readonly contributors: StatusContributor[] = []
  private readonly timeline = new StatusTimeline(OPS_TIMELINE_MAX_EVENTS)

  constructor(private readonly daemon: DaemonContext) {}

  /** HA/DR code adds role, peers and DR state of its queue managers here. */
  addContributor(contributor: StatusContributor): void {
    this.contributors.push(contributor)
  }

  /**
   * The node's status; with `only`, just that queue manager's entry (rdqmstatus -m), which the
   * timeline does not see: it compares whole snapshots.
   */
  async snapshot(only?: string): Promise<NodeStatusSnapshot> {
    const snapshot = await collectNodeStatus(this.daemon, this.contributors, only)
    if (only === undefined) this.timeline.observe(snapshot)
    return snapshot
  }

  events(): readonly TimelineEvent[] {
    return this.timeline.list()
  }
}
