/**
 * Goal: the replication core keeps Raft's safety properties on byte LSNs and does what the
 * design asks of elections, commits, divergence, transfer and DR roles.
 * Method: etcd raft_paper_test style, by property: a synchronous test cluster
 * (cluster-harness.ts) drives three cores; partitions are cut links; time is ticks.
 */
import { describe, expect, it } from 'vitest'
import { InputType } from '../../src/replication/effects.js'
import { RECORD_BYTES, START_LSN, TestCluster } from './cluster-harness.js'

const IDS = ['a', 'b', 'c']

function electedCluster(seed = 1): { cluster: TestCluster; primary: string } {
  const cluster = new TestCluster(IDS, { seed })
  cluster.run(100)
  const primaries = cluster.primaries()
  expect(primaries).toHaveLength(1)
  return { cluster, primary: primaries[0]! }
}

describe('election (Raft 5.2)', () => {
  it('elects one primary that commits its epoch start record and then serves', () => {
    const { cluster, primary } = electedCluster()
    const status = cluster.member(primary).replica.status()
    expect(status.epoch).toBe(1)
    expect(status.acceptingWrites).toBe(true)
    expect(cluster.member(primary).readyEpochs).toEqual([1])
    for (const id of IDS) {
      expect(cluster.member(id).commitLsn).toBe(START_LSN + RECORD_BYTES)
      expect(cluster.member(id).replica.status().primaryId).toBe(primary)
    }
  })

  it('election safety: at most one primary per epoch under random partitions', () => {
    let epochs = 0
    for (let seed = 1; seed <= 20; seed++) {
      const cluster = new TestCluster(IDS, { seed })
      const primaryOfEpoch = new Map<number, string>()
      for (let round = 0; round < 1000; round++) {
        if (round % 150 === 0) cluster.isolate(IDS[cluster.random(3)]!)
        if (round % 150 === 100) cluster.heal()
        for (const id of IDS) cluster.tick(id)
        cluster.deliverAll()
        for (const id of cluster.primaries()) {
          const epoch = cluster.member(id).replica.status().epoch
          expect(primaryOfEpoch.get(epoch) ?? id).toBe(id)
          primaryOfEpoch.set(epoch, id)
          cluster.write(id)
        }
      }
      epochs += primaryOfEpoch.size
    }
    // The partitions did depose primaries: the property was exercised.
    expect(epochs).toBeGreaterThan(40)
  })

  it('pre-vote: a member cut off and rejoining does not raise the epoch', () => {
    const { cluster, primary } = electedCluster()
    const loner = IDS.find((id) => id !== primary)!
    cluster.isolate(loner)
    cluster.run(300)
    expect(cluster.member(loner).replica.status().epoch).toBe(1)
    cluster.heal()
    cluster.run(50)
    expect(cluster.primaries()).toEqual([primary])
    expect(cluster.member(primary).replica.status().epoch).toBe(1)
  })

  it('check-quorum: a primary that hears no majority steps down within the dead time', () => {
    const { cluster, primary } = electedCluster()
    cluster.isolate(primary)
    cluster.run(45)
    expect(cluster.member(primary).replica.status().role).not.toBe('primary')
    expect(cluster.member(primary).replica.status().acceptingWrites).toBe(false)
    cluster.run(200)
    const [next] = cluster.primaries()
    expect(next).toBeDefined()
    expect(next).not.toBe(primary)
  })

  it('election restriction: a member missing committed records cannot win', () => {
    const { cluster, primary } = electedCluster()
    const [behind, ahead] = IDS.filter((id) => id !== primary)
    cluster.isolate(behind!)
    for (let count = 0; count < 5; count++) {
      cluster.write(primary)
      cluster.deliverAll()
    }
    cluster.run(3)
    const committed = cluster.member(primary).commitLsn
    cluster.heal()
    cluster.isolate(primary)
    // Only `behind` campaigns: `ahead` is held back by ticking only the others.
    for (let round = 0; round < 300; round++) {
      cluster.tick(behind!)
      cluster.deliverAll()
    }
    expect(cluster.member(behind!).replica.status().role).not.toBe('primary')
    cluster.run(200)
    expect(cluster.primaries()).toEqual([ahead])
    expect(cluster.member(ahead!).endLsn).toBeGreaterThanOrEqual(committed)
  })
})

describe('log replication (Raft 5.3, 5.4)', () => {
  it('log matching: after a deposed primary rejoins, every log is the same', () => {
    const { cluster, primary } = electedCluster(3)
    for (let count = 0; count < 3; count++) cluster.write(primary)
    cluster.deliverAll()
    cluster.isolate(primary)
    // Writes the deposed primary takes while cut off never commit...
    for (let count = 0; count < 4; count++) cluster.write(primary)
    cluster.run(300)
    const [next] = cluster.primaries().filter((id) => id !== primary)
    expect(next).toBeDefined()
    for (let count = 0; count < 2; count++) cluster.write(next!)
    cluster.heal()
    cluster.run(100)
    const logs = IDS.map((id) => JSON.stringify(cluster.member(id).records))
    expect(new Set(logs).size).toBe(1)
    // ...and are cut from its log, saved aside, never silently lost.
    const old = cluster.member(primary)
    expect(old.cut.length).toBe(4)
    expect(old.cut.every((record) => record.epoch === 1)).toBe(true)
    expect(old.commitLsn).toBe(cluster.member(next!).commitLsn)
  })

  it('leader completeness: every committed record is in every later primary', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const cluster = new TestCluster(IDS, { seed })
      // LSN -> [record epoch, epoch in which it was seen committed]
      const committed = new Map<number, [number, number]>()
      const missing: number[] = []
      for (let round = 0; round < 600; round++) {
        if (round % 41 === 0) {
          cluster.heal()
          cluster.isolate(IDS[cluster.random(3)]!)
        }
        for (const id of IDS) cluster.tick(id)
        cluster.deliverAll()
        for (const id of IDS) {
          const member = cluster.member(id)
          for (let index = member.records.length - 1; index >= 0; index--) {
            const record = member.records[index]!
            if (committed.has(record.lsn) && record.end <= member.commitLsn) break
            if (record.end > member.commitLsn || committed.has(record.lsn)) continue
            committed.set(record.lsn, [record.epoch, member.replica.status().epoch])
          }
        }
        for (const id of cluster.primaries()) {
          // A deposed primary that has not heard of its successor is not a later primary.
          const primaryEpoch = cluster.member(id).replica.status().epoch
          const records = new Map(cluster.member(id).records.map((r) => [r.lsn, r.epoch]))
          for (const [lsn, [epoch, seenIn]] of committed) {
            if (primaryEpoch >= seenIn && records.get(lsn) !== epoch) missing.push(lsn)
          }
          cluster.write(id)
        }
      }
      expect(missing).toEqual([])
      expect(committed.size).toBeGreaterThan(10)
    }
  })

  it('a primary counts only durable copies: nothing commits while the disks hold back', () => {
    const { cluster, primary } = electedCluster()
    for (const id of IDS) cluster.member(id).holdDurability = true
    const before = cluster.member(primary).commitLsn
    cluster.write(primary)
    cluster.run(10)
    expect(cluster.member(primary).commitLsn).toBe(before)
    const end = cluster.member(primary).endLsn
    const [peer] = IDS.filter((id) => id !== primary)
    cluster.input(peer!, { type: InputType.LOCAL_DURABLE, lsn: end })
    cluster.deliverAll()
    expect(cluster.member(primary).commitLsn).toBe(before)
    cluster.input(primary, { type: InputType.LOCAL_DURABLE, lsn: end })
    cluster.deliverAll()
    expect(cluster.member(primary).commitLsn).toBe(end)
  })
})

describe('leadership transfer', () => {
  it('hands over to a named member, refusing writes meanwhile', () => {
    const { cluster, primary } = electedCluster()
    const target = IDS.find((id) => id !== primary)!
    cluster.write(primary)
    cluster.input(primary, { type: InputType.TRANSFER_LEADERSHIP, to: target })
    expect(cluster.write(primary)).toBe(false)
    cluster.deliverAll()
    cluster.run(5)
    expect(cluster.primaries()).toEqual([target])
    expect(cluster.member(target).replica.status().epoch).toBe(2)
    expect(cluster.member(target).readyEpochs).toEqual([2])
  })
})

describe('DR pair roles', () => {
  it('promote is refused while the primary is reachable and allowed once it is gone', () => {
    const cluster = new TestCluster(['main', 'dr'], { policy: 'drAsync' })
    // Just started, a member cannot know yet whether the other side is a reachable primary.
    cluster.input('main', { type: InputType.PROMOTE })
    expect(cluster.member('main').refusals).toEqual([
      'promote: the other side is not known yet, try again shortly',
    ])
    cluster.run(50)
    cluster.input('main', { type: InputType.PROMOTE })
    cluster.deliverAll()
    cluster.run(10)
    expect(cluster.primaries()).toEqual(['main'])
    cluster.input('dr', { type: InputType.PROMOTE })
    expect(cluster.member('dr').refusals).toEqual(['promote: main is primary and reachable'])
    // Each side promotes into epochs of its own: main (index 0) even, dr (index 1) odd.
    expect(cluster.member('main').replica.status().epoch).toBe(2)
    cluster.run(500)
    expect(cluster.primaries()).toEqual(['main'])
    cluster.isolate('main')
    cluster.run(60)
    cluster.input('dr', { type: InputType.PROMOTE })
    expect(cluster.member('dr').replica.status().role).toBe('primary')
    cluster.input('main', { type: InputType.DEMOTE })
    cluster.heal()
    cluster.run(20)
    expect(cluster.primaries()).toEqual(['dr'])
    expect(cluster.member('main').replica.status().epoch).toBe(3)
  })

  it('split brain: both sides stay primary (Partitioned) and nothing is cut until a demote', () => {
    const cluster = new TestCluster(['main', 'dr'], { policy: 'drAsync' })
    cluster.run(50)
    cluster.input('main', { type: InputType.PROMOTE })
    cluster.run(20)
    for (let i = 0; i < 3; i++) expect(cluster.write('main')).toBe(true)
    cluster.run(20)
    cluster.isolate('main')
    for (let i = 0; i < 2; i++) cluster.write('main')
    cluster.run(60)
    cluster.input('dr', { type: InputType.PROMOTE })
    cluster.run(20)
    cluster.write('dr')
    cluster.heal()
    cluster.run(100)
    expect(cluster.primaries().sort()).toEqual(['dr', 'main'])
    expect(cluster.member('main').replica.status().partitioned).toBe(true)
    expect(cluster.member('dr').replica.status().partitioned).toBe(true)
    expect(cluster.member('main').cut).toEqual([])
    expect(cluster.member('dr').cut).toEqual([])
    // The operator keeps dr's data: main (the lower epoch) is demoted and its fork is cut aside.
    cluster.input('main', { type: InputType.DEMOTE })
    cluster.run(100)
    expect(cluster.primaries()).toEqual(['dr'])
    expect(cluster.member('main').cut.length).toBeGreaterThan(0)
    expect(cluster.member('main').records).toEqual(cluster.member('dr').records)
    expect(cluster.member('dr').replica.status().partitioned).toBe(false)
  })

  it('a primary whose secondary is at a higher epoch promotes above it and keeps its log', () => {
    const cluster = new TestCluster(['main', 'dr'], { policy: 'drAsync' })
    cluster.run(50)
    cluster.input('main', { type: InputType.PROMOTE })
    cluster.run(20)
    cluster.write('main')
    cluster.isolate('main')
    cluster.write('main')
    cluster.run(60)
    cluster.input('dr', { type: InputType.PROMOTE })
    cluster.run(5)
    cluster.input('dr', { type: InputType.DEMOTE })
    cluster.input('dr', { type: InputType.PROMOTE })
    cluster.run(60)
    cluster.input('dr', { type: InputType.DEMOTE })
    cluster.write('dr')
    const mainRecords = [...cluster.member('main').records]
    expect(cluster.member('dr').replica.status().epoch).toBeGreaterThan(
      cluster.member('main').replica.status().epoch,
    )
    // The operator keeps main's data: dr (higher epoch, now secondary) must follow main.
    cluster.heal()
    cluster.run(100)
    expect(cluster.primaries()).toEqual(['main'])
    expect(cluster.member('main').cut).toEqual([])
    expect(cluster.member('dr').records.slice(0, mainRecords.length)).toEqual(mainRecords)
    expect(cluster.member('dr').cut.length).toBeGreaterThan(0)
  })

  it('a secondary rebuilt with an empty log is sent the whole log again (node replacement)', () => {
    const cluster = new TestCluster(['main', 'dr'], { policy: 'drSync' })
    cluster.run(50)
    cluster.input('main', { type: InputType.PROMOTE })
    cluster.run(20)
    for (let i = 0; i < 5; i++) expect(cluster.write('main')).toBe(true)
    cluster.run(20)
    const records = [...cluster.member('main').records]
    expect(cluster.member('dr').records).toEqual(records)
    // The secondary's node is lost and rebuilt from nothing: it had matched everything.
    cluster.rebuild('dr')
    cluster.run(20)
    // The next append finds its log short of what it had matched: the whole log goes again.
    expect(cluster.write('main')).toBe(true)
    cluster.run(200)
    expect(cluster.primaries()).toEqual(['main'])
    expect(cluster.member('dr').records).toEqual(cluster.member('main').records)
    const peer = cluster.member('main').replica.status().peerMatchLsns[0]!
    expect(peer.matchLsn).toBe(cluster.member('main').endLsn)
  })
})
