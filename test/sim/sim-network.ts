/**
 * The packet simulator: every message takes a random latency (so messages reorder), may be
 * lost or duplicated, and is dropped on a cut link. Partitions are sets of cut directed links:
 * a symmetric partition cuts both directions, a one-way partition only one.
 */
import type { ReplicaMessage } from '../../src/replication/messages.js'
import type { EventQueue } from './event-queue.js'
import type { Prng } from './prng.js'

export interface NetworkProfile {
  readonly latencyMinMs: number
  readonly latencyMaxMs: number
  readonly lossProbability: number
  readonly duplicateProbability: number
}

export const HEALTHY_NETWORK: NetworkProfile = {
  latencyMinMs: 1,
  latencyMaxMs: 3,
  lossProbability: 0,
  duplicateProbability: 0,
}

export class SimNetwork {
  private readonly cut = new Set<string>()
  profile: NetworkProfile
  sent = 0
  dropped = 0

  constructor(
    private readonly queue: EventQueue,
    private readonly prng: Prng,
    profile: NetworkProfile,
    private readonly deliver: (message: ReplicaMessage) => void,
  ) {
    this.profile = profile
  }

  send(message: ReplicaMessage): void {
    this.sent++
    if (
      this.cut.has(`${message.from}>${message.to}`) ||
      this.prng.chance(this.profile.lossProbability)
    ) {
      this.dropped++
      return
    }
    this.schedule(message)
    if (this.prng.chance(this.profile.duplicateProbability)) this.schedule(message)
  }

  cutLink(from: string, to: string): void {
    this.cut.add(`${from}>${to}`)
  }

  isolate(id: string, members: readonly string[]): void {
    for (const other of members) {
      if (other === id) continue
      this.cutLink(id, other)
      this.cutLink(other, id)
    }
  }

  heal(): void {
    this.cut.clear()
  }

  get partitioned(): boolean {
    return this.cut.size > 0
  }

  private schedule(message: ReplicaMessage): void {
    const latency = this.prng.between(this.profile.latencyMinMs, this.profile.latencyMaxMs)
    this.queue.schedule(latency, 'deliver', () => {
      // A link cut while the packet was in flight loses it too.
      if (this.cut.has(`${message.from}>${message.to}`)) return
      this.deliver(message)
    })
  }
}
