/**
 * The timeline of role and status changes the console draws: each snapshot is compared with
 * the one before, queue manager by queue manager (and, with HA, node by node), and a change
 * becomes an event. Pure: the caller feeds snapshots (the ops sampler, once a second). Bounded:
 * the oldest events go first (OPS_TIMELINE_MAX_EVENTS).
 */
import { assert } from '../assert.js'
import type { NodeStatusSnapshot, QueueManagerSnapshot } from './node-status.js'

export interface TimelineEvent {
  readonly atMs: number
  readonly queueManager: string
  /** The node the change happened on: this node, or a peer named by HA status. */
  readonly node: string
  /** primary: the group's primary moved (a failover or a switchover), `node` is the new one. */
  readonly kind: 'status' | 'role' | 'dr' | 'primary'
  /** Undefined for the first sighting of a queue manager. */
  readonly from: string | undefined
  readonly to: string
}

type Facts = Map<string, string>

export class StatusTimeline {
  private readonly events: TimelineEvent[] = []
  private previous: Facts | undefined

  constructor(private readonly maxEvents: number) {
    assert(maxEvents > 0, 'the timeline keeps at least one event')
  }

  observe(snapshot: NodeStatusSnapshot): void {
    const facts = factsOf(snapshot)
    for (const [key, value] of facts) {
      const before = this.previous?.get(key)
      if (before === value) continue
      const [queueManager, node, kind] = key.split('\u0000') as [string, string, string]
      this.push({
        atMs: snapshot.takenAtMs,
        queueManager,
        node: kind === 'primary' ? value : node,
        kind: kind as TimelineEvent['kind'],
        from: before,
        to: value,
      })
    }
    const present = new Set(snapshot.queueManagers.map((qm) => qm.name))
    for (const [key, value] of this.previous ?? []) {
      const [queueManager, , kind] = key.split('\u0000')
      if (kind === 'primary' && present.has(queueManager!) && !facts.has(key)) {
        facts.set(key, value)
      }
    }
    this.previous = facts
  }

  list(): readonly TimelineEvent[] {
    return [...this.events]
  }

  private push(event: TimelineEvent): void {
    this.events.push(event)
    if (this.events.length > this.maxEvents) this.events.shift()
  }
}

function factsOf(snapshot: NodeStatusSnapshot): Facts {
  const facts: Facts = new Map()
  const here = snapshot.node.name
  for (const qm of snapshot.queueManagers) {
    facts.set(key(qm.name, here, 'status'), qm.status)
    facts.set(key(qm.name, here, 'role'), qm.role)
    addPeerFacts(facts, qm)
  }
  return facts
}

function addPeerFacts(facts: Facts, qm: QueueManagerSnapshot): void {
  for (const peer of qm.ha?.peers ?? []) facts.set(key(qm.name, peer.node, 'role'), peer.role)
  // While no primary is known (an election under way) the fact keeps its last value, so a
  // failover is one event from the old primary to the new.
  const primary = qm.ha?.primary
  if (primary !== undefined) facts.set(key(qm.name, '', 'primary'), primary)
  if (qm.dr !== undefined) facts.set(key(qm.name, qm.dr.remote, 'dr'), qm.dr.state)
}

function key(queueManager: string, node: string, kind: TimelineEvent['kind']): string {
  return `${queueManager}\u0000${node}\u0000${kind}`
}
