/**
 * Goal: the epoch history answers "epoch at LSN" and finds where two logs diverge.
 * Method: small hand-built histories, including a follower with a stale tail of an epoch the
 * primary never had, and a follower behind in the same epoch.
 */
import { describe, expect, it } from 'vitest'
import { EpochHistory, divergencePoint } from '../../src/replication/epoch-history.js'

describe('EpochHistory', () => {
  const history = new EpochHistory([
    { epoch: 1, startLsn: 64 },
    { epoch: 3, startLsn: 1000 },
    { epoch: 4, startLsn: 2000 },
  ])
  it.each([
    [0, 0],
    [63, 0],
    [64, 1],
    [999, 1],
    [1000, 3],
    [5000, 4],
  ])('epochAt(%i) = %i', (lsn, epoch) => expect(history.epochAt(lsn)).toBe(epoch))

  it('cuts runs at a truncation and keeps every run when the log is retired', () => {
    const copy = new EpochHistory(history.entries)
    copy.truncateFrom(2000)
    expect(copy.lastEpoch).toBe(3)
    copy.retireBelow(1500)
    expect(copy.entries).toEqual(history.entries.slice(0, 2))
    expect(copy.epochAt(1499)).toBe(3)
  })
})

describe('divergencePoint', () => {
  const primary = new EpochHistory([
    { epoch: 1, startLsn: 64 },
    { epoch: 3, startLsn: 1000 },
  ])
  it('a stale tail of an epoch the primary never had diverges where the shared epoch ends', () => {
    const follower = [
      { epoch: 1, startLsn: 64 },
      { epoch: 2, startLsn: 800 },
    ]
    expect(divergencePoint(primary, 3000, follower, 1500, 400)).toBe(800)
  })
  it('a follower behind in the same epoch agrees up to its end', () => {
    expect(divergencePoint(primary, 3000, [{ epoch: 3, startLsn: 1000 }], 2400, 1200)).toBe(2400)
  })
  it('never below the follower commit point', () => {
    expect(divergencePoint(primary, 3000, [{ epoch: 2, startLsn: 900 }], 950, 900)).toBe(900)
  })
})
