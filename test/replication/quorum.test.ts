/**
 * Goal: the quorum arithmetic and the three commit policies, as tables.
 * Method: each row is an input and the expected commit LSN; the DR synchronous policy is driven
 * through time (ticks) to show the timeout, carrying on alone and the return to synchronous.
 */
import { describe, expect, it } from 'vitest'
import { commitPolicy, hasMajority, majorityOf, quorumLsn } from '../../src/replication/quorum.js'

describe('majority arithmetic', () => {
  it.each([
    [1, 1],
    [2, 2],
    [3, 2],
    [4, 3],
    [5, 3],
  ])('%i members need %i', (members, needed) => {
    expect(majorityOf(members)).toBe(needed)
    expect(hasMajority(needed, members)).toBe(true)
    expect(hasMajority(needed - 1, members)).toBe(false)
  })

  it.each([
    [[300, 200, 100], 2, 200],
    [[100, 200, 300], 2, 200],
    [[100, 100, 300], 2, 100],
    [[500, 0, 0], 2, 0],
    [[500], 2, -1],
    [[700, 600, 500, 400, 300], 3, 500],
  ])('quorumLsn(%j, %i) = %i', (lsns, needed, expected) => {
    expect(quorumLsn(lsns, needed)).toBe(expected)
  })
})

describe('majority policy (3-member HA group)', () => {
  const policy = commitPolicy('majority', 10)
  const peers = (a: number, b: number) => [
    { memberId: 'b', matchLsn: a },
    { memberId: 'c', matchLsn: b },
  ]
  it.each([
    // local durable, peer b, peer c -> committed
    [1000, 0, 0, 0],
    [1000, 600, 0, 600],
    [1000, 600, 800, 800],
    [1000, 1200, 0, 1000],
    [400, 1000, 1000, 400],
    [0, 1000, 1000, 0],
  ])('local %i, peers %i and %i: committed to %i', (local, b, c, expected) => {
    expect(policy.commitLsn({ localDurableLsn: local, peers: peers(b, c), nowTick: 0 })).toBe(
      expected,
    )
  })
  it('elects', () => expect(policy.elects).toBe(true))
})

describe('DR asynchronous policy', () => {
  it('commits on local durability alone', () => {
    const policy = commitPolicy('drAsync', 10)
    const peers = [{ memberId: 'dr', matchLsn: 0 }]
    expect(policy.commitLsn({ localDurableLsn: 900, peers, nowTick: 0 })).toBe(900)
    expect(policy.elects).toBe(false)
  })
})

describe('DR synchronous policy', () => {
  it('waits for the secondary, carries on alone after the timeout, resyncs when caught up', () => {
    const policy = commitPolicy('drSync', 10, 0)
    const at = (local: number, peer: number, nowTick: number) =>
      policy.commitLsn({
        localDurableLsn: local,
        peers: [{ memberId: 'dr', matchLsn: peer }],
        nowTick,
      })
    expect(at(500, 500, 0)).toBe(500)
    expect(at(800, 500, 1)).toBe(500)
    expect(at(800, 500, 10)).toBe(500)
    expect(policy.outOfSyncBytes).toBe(0)
    expect(at(900, 500, 11)).toBe(900)
    expect(policy.outOfSyncBytes).toBe(400)
    expect(at(1000, 700, 12)).toBe(1000)
    expect(policy.outOfSyncBytes).toBe(500)
    expect(at(1000, 1000, 13)).toBe(1000)
    expect(policy.outOfSyncBytes).toBe(0)
    // Back in sync: a lagging secondary holds commits again until the next timeout.
    expect(at(1200, 1000, 14)).toBe(1000)
  })

  it('returns to synchronous by itself under a steady load, not on a dead secondary', () => {
    const policy = commitPolicy('drSync', 10, 100)
    const at = (local: number, peer: number, nowTick: number) =>
      policy.commitLsn({
        localDurableLsn: local,
        peers: [{ memberId: 'dr', matchLsn: peer }],
        nowTick,
      })
    expect(at(1000, 1000, 0)).toBe(1000)
    // The secondary dies at 1000; the primary goes alone after the timeout.
    expect(at(1050, 1000, 1)).toBe(1000)
    expect(at(1060, 1000, 11)).toBe(1060)
    // Its stale match LSN is within the slack, but it has matched nothing since: still alone.
    expect(at(1070, 1000, 12)).toBe(1070)
    expect(policy.outOfSyncBytes).toBe(70)
    expect(at(1500, 1000, 13)).toBe(1500)
    // Back, catching up while the primary's end keeps moving (never an exact match).
    expect(at(1600, 1300, 14)).toBe(1600)
    expect(at(1700, 1550, 15)).toBe(1700)
    expect(policy.outOfSyncBytes).toBe(700)
    // Within the slack: synchronous again, commits wait for the secondary.
    expect(at(1800, 1720, 16)).toBe(1720)
    expect(policy.outOfSyncBytes).toBe(0)
    expect(at(1900, 1850, 17)).toBe(1850)
    // Lagging past the timeout again: alone again.
    expect(at(2000, 1850, 27)).toBe(2000)
    expect(policy.outOfSyncBytes).toBe(150)
  })
})
