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
    const policy = commitPolicy('drSync', 10)
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
})
