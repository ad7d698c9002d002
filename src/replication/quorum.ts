/**
 * Quorum arithmetic and commit policies. A commit policy says, from the primary's own durable
 * LSN and what each peer has durably matched, how far the log is committed: only committed
 * records are acknowledged to clients and applied by secondaries.
 *
 * LSNs here are end positions (exclusive): "durable to 4096" means every byte below 4096.
 *
 * | policy       | group           | committed up to                                            |
 * |--------------|-----------------|------------------------------------------------------------|
 * | majority     | HA group (3)    | the highest LSN durable on a majority (primary included)   |
 * | drAsync      | DR pair         | the primary's own durable LSN                              |
 * | drSync       | DR pair         | min(primary, secondary); primary alone after syncTimeout,  |
 * |              |                 | counting out-of-sync bytes, back to sync once caught up   |
 */
import { assert, unreachable } from '../assert.js'
import { DR_SYNC_REJOIN_SLACK_BYTES } from '../constants.js'

/** Members needed for a majority of `memberCount` voters. */
export function majorityOf(memberCount: number): number {
  assert(Number.isSafeInteger(memberCount) && memberCount > 0, 'quorum: at least one member')
  return Math.floor(memberCount / 2) + 1
}

/**
 * The highest LSN that at least `needed` of `durableLsns` have reached: sort descending and take
 * the needed-th. With fewer values than needed, nothing is agreed (-1).
 */
export function quorumLsn(durableLsns: readonly number[], needed: number): number {
  assert(needed > 0, 'quorum: needs at least one member')
  if (durableLsns.length < needed) return -1
  // The needed-th highest, by counting: groups are tiny and this runs on every acknowledgement,
  // so no copy and no sort. A value is the answer when at least `needed` values reach it.
  let best = -Infinity
  for (const candidate of durableLsns) {
    if (candidate <= best) continue
    let reaching = 0
    for (const other of durableLsns) if (other >= candidate) reaching++
    if (reaching >= needed) best = candidate
  }
  return best
}

/** True when `granted` votes out of `memberCount` make a majority. */
export function hasMajority(granted: number, memberCount: number): boolean {
  return granted >= majorityOf(memberCount)
}

export interface PeerDurability {
  readonly memberId: string
  /** Highest LSN the peer has durably written and that matches this primary's log. */
  readonly matchLsn: number
}

export interface CommitInput {
  readonly localDurableLsn: number
  readonly peers: readonly PeerDurability[]
  readonly nowTick: number
}

export type CommitPolicyKind = 'majority' | 'drAsync' | 'drSync'

export interface CommitPolicy {
  readonly kind: CommitPolicyKind
  /** HA groups elect their primary; DR pairs change roles only by admin promote and demote. */
  readonly elects: boolean
  /** The LSN the log is committed up to under this policy (never above localDurableLsn). */
  commitLsn(input: CommitInput): number
  /** DR synchronous only: bytes committed without the secondary since sync was lost. */
  readonly outOfSyncBytes: number
}

class MajorityPolicy implements CommitPolicy {
  readonly kind = 'majority'
  readonly elects = true
  readonly outOfSyncBytes = 0

  commitLsn(input: CommitInput): number {
    const lsns = [input.localDurableLsn]
    for (const peer of input.peers) lsns.push(peer.matchLsn)
    // A peer cannot count for bytes the primary itself has not made durable.
    const agreed = quorumLsn(lsns, majorityOf(lsns.length))
    return Math.min(agreed, input.localDurableLsn)
  }
}

class AsynchronousPolicy implements CommitPolicy {
  readonly kind = 'drAsync'
  readonly elects = false
  readonly outOfSyncBytes = 0

  commitLsn(input: CommitInput): number {
    return input.localDurableLsn
  }
}

/**
 * DR synchronous: both sides durable. If the secondary has lagged behind the primary's durable
 * LSN for syncTimeoutTicks, the primary carries on alone (an application must not stall on a
 * broken link) and counts the bytes it committed alone. It returns to synchronous by itself once
 * the secondary has matched more than it had then and is within rejoinSlackBytes: waiting for an
 * exact match would never end under a steady load (the primary's end moves on while the
 * secondary catches up), and from there a commit waits only for what is already in flight. A
 * secondary that then lags for the timeout again leaves it alone again.
 */
class SynchronousPolicy implements CommitPolicy {
  readonly kind = 'drSync'
  readonly elects = false
  private laggingSinceTick = -1
  private alone = false
  private aloneFromLsn = 0
  private aloneToLsn = 0

  constructor(
    private readonly syncTimeoutTicks: number,
    private readonly rejoinSlackBytes: number,
  ) {
    assert(syncTimeoutTicks > 0, 'drSync: timeout > 0')
    assert(rejoinSlackBytes >= 0, 'drSync: rejoin slack >= 0')
  }

  get outOfSyncBytes(): number {
    return this.alone ? this.aloneToLsn - this.aloneFromLsn : 0
  }

  commitLsn(input: CommitInput): number {
    assert(input.peers.length <= 1, 'drSync: a DR pair has one secondary')
    const peerLsn = input.peers[0]?.matchLsn ?? -1
    const local = input.localDurableLsn
    if (peerLsn >= local) {
      this.alone = false
      this.laggingSinceTick = -1
      return local
    }
    // Caught up but for the tail in flight: synchronous again, the timeout restarting now. Only
    // a secondary that has matched more since the primary went alone is back: a dead one's
    // match LSN stays where it was, however close.
    const back = peerLsn > this.aloneFromLsn
    if (this.alone && back && local - peerLsn <= this.rejoinSlackBytes) {
      this.alone = false
      this.laggingSinceTick = input.nowTick
      return peerLsn
    }
    if (this.alone) {
      this.aloneToLsn = local
      return local
    }
    if (this.laggingSinceTick < 0) this.laggingSinceTick = input.nowTick
    if (input.nowTick - this.laggingSinceTick >= this.syncTimeoutTicks) {
      this.alone = true
      this.aloneFromLsn = Math.max(peerLsn, 0)
      this.aloneToLsn = local
      return local
    }
    return Math.max(peerLsn, -1)
  }
}

export function commitPolicy(
  kind: CommitPolicyKind,
  syncTimeoutTicks: number,
  rejoinSlackBytes = DR_SYNC_REJOIN_SLACK_BYTES,
): CommitPolicy {
  switch (kind) {
    case 'majority':
      return new MajorityPolicy()
    case 'drAsync':
      return new AsynchronousPolicy()
    case 'drSync':
      return new SynchronousPolicy(syncTimeoutTicks, rejoinSlackBytes)
    default:
      return unreachable(kind, 'commit policy')
  }
}
