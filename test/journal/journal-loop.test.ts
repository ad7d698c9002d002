/**
 * Goal: the journal worker's loop, run in-process on the in-memory disk, writes what the ring
 * holds as group-committed batches; keeps only synced batches across a crash; writes a leader's
 * finalized records verbatim after verifying them, and refuses damaged, misplaced and
 * older-epoch ones; cuts a tail from an LSN and hands back exactly the cut bytes; and stops on
 * a failing disk without publishing anything it did not sync.
 * Method: a real FramedRing in one thread (producer and consumer), MemorySegmentIo, faults
 * injected by wrapping the SegmentIo; the log is read back with recovery on the same disk.
 */
import { describe, expect, it } from 'vitest'
import { JournalControlBlock } from '../../src/actors/journal/control-block.js'
import { JournalLoop } from '../../src/actors/journal/journal-loop.js'
import { encodeRecord, encodedRecordLength } from '../../src/actors/journal/journal-record.js'
import { placeRecord, SEAL_BYTES } from '../../src/actors/journal/log-geometry.js'
import { MemorySegmentIo } from '../../src/actors/journal/memory-segment-io.js'
import { RECORD_FRAME_TAG, VERBATIM_RECORD_FRAME_TAG } from '../../src/actors/journal/messages.js'
import { HeaderOffset, recordLength, recordLsn } from '../../src/actors/journal/record-header.js'
import { RecordType, type JournalRecord } from '../../src/actors/journal/record-types.js'
import { recoverSegments } from '../../src/actors/journal/recovery.js'
import type { SegmentIo } from '../../src/actors/journal/segment-io.js'
import { ErrorCode } from '../../src/errors.js'
import { FramedRing } from '../../src/ring/framed-ring.js'
import { bodyLabel, putRecord } from '../support/records.js'
import { faultySegmentIo } from './fixtures/disk-faults.js'

const SEGMENT_BYTES = 64 * 1024
const START_LSN = 64

/** A producer that places records like the handle does (seals included), into a ring. */
class Producer {
  readonly ring = FramedRing.create(256 * 1024)
  nextLsn: number
  constructor(startLsn = START_LSN) {
    this.nextLsn = startLsn
  }

  append(record: JournalRecord, epoch = 1): number {
    const length = encodedRecordLength(record)
    const placement = placeRecord(this.nextLsn, length, SEGMENT_BYTES)
    if (placement.seal !== undefined)
      this.push(placement.seal, placement.sealLsn, SEAL_BYTES, epoch)
    this.push(record, placement.lsn, length, epoch)
    this.nextLsn = placement.lsn + length
    return placement.lsn
  }

  /** Frames of already finalized records (a follower's input). */
  appendVerbatim(bytes: Uint8Array): void {
    const offset = this.ring.tryReserve(bytes.length, VERBATIM_RECORD_FRAME_TAG)
    expect(offset).toBeGreaterThanOrEqual(0)
    this.ring.data.set(bytes, offset)
    this.ring.commit()
    this.ring.flush()
  }

  private push(record: JournalRecord, lsn: number, length: number, epoch: number): void {
    const offset = this.ring.tryReserve(length, RECORD_FRAME_TAG)
    expect(offset).toBeGreaterThanOrEqual(0)
    encodeRecord(this.ring.data, offset, record, lsn, epoch)
    this.ring.commit()
    this.ring.flush()
  }
}

function newLoop(
  io: SegmentIo,
  producer: Producer,
  control = JournalControlBlock.create(START_LSN, 0),
) {
  const consumer = FramedRing.attach(producer.ring.sharedBuffer)
  const loop = new JournalLoop(io, consumer, control, {
    segmentBytes: SEGMENT_BYTES,
    batchBytes: 1024 * 1024,
  })
  return { loop, control }
}

function labels(io: SegmentIo): { labels: string[]; endLsn: number; epochs: number[] } {
  const found: string[] = []
  const epochs: number[] = []
  const result = recoverSegments(io, SEGMENT_BYTES, START_LSN, (record, header) => {
    epochs.push(header.epoch)
    if (record.type === RecordType.MESSAGE_PUT) found.push(bodyLabel(record))
  })
  return { labels: found, endLsn: result.endLsn, epochs }
}

describe('journal loop on the in-memory disk', () => {
  it('writes everything in the ring as one batch per round, across segments', () => {
    const io = new MemorySegmentIo(SEGMENT_BYTES)
    const producer = new Producer()
    const { loop, control } = newLoop(io, producer)
    const names = Array.from({ length: 120 }, (_, index) => `record-${index}`)
    for (const name of names.slice(0, 100)) producer.append(putRecord(name, 1500))
    let rounds = 0
    while (loop.round()) rounds++
    for (const name of names.slice(100)) producer.append(putRecord(name, 1500))
    while (loop.round()) rounds++
    expect(control.durableEndLsn).toBe(producer.nextLsn)
    // 120 records of ~1.6 KiB over 64 KiB segments: a batch ends at each of the seals.
    expect(rounds).toBeGreaterThan(2)
    expect(rounds).toBeLessThan(12)
    expect(loop.stats().batches).toBe(rounds)
    expect(labels(io)).toMatchObject({ labels: names, endLsn: producer.nextLsn })
  })

  it('a crash keeps every synced batch and nothing after it', () => {
    const io = new MemorySegmentIo(SEGMENT_BYTES)
    const producer = new Producer()
    const { loop } = newLoop(faultySegmentIo(io, { failSyncAtCall: 3 }), producer)
    producer.append(putRecord('one'))
    loop.round()
    producer.append(putRecord('two'))
    loop.round()
    producer.append(putRecord('three'))
    expect(() => loop.round()).toThrow(expect.objectContaining({ code: 'EIO' }))
    io.crash()
    expect(labels(io).labels).toEqual(['one', 'two'])
  })

  it('writes finalized records verbatim: same bytes, same LSNs, leader batchLsn kept', () => {
    const leaderIo = new MemorySegmentIo(SEGMENT_BYTES)
    const leader = new Producer()
    const { loop: leaderLoop } = newLoop(leaderIo, leader)
    for (let index = 0; index < 30; index++) leader.append(putRecord(`m-${index}`, 3000), 4)
    while (leaderLoop.round());
    const followerIo = new MemorySegmentIo(SEGMENT_BYTES)
    const follower = new Producer()
    const { loop, control } = newLoop(followerIo, follower)
    // Ship the leader's log record by record, in LSN order, through the seal.
    for (const [index, bytes] of recordsOf(leaderIo, leader.nextLsn).entries()) {
      follower.appendVerbatim(bytes)
      if (index % 7 === 0) while (loop.round());
    }
    while (loop.round());
    expect(control.durableEndLsn).toBe(leader.nextLsn)
    expect(control.durableEpoch).toBe(4)
    for (const index of leaderIo.list()) {
      expect(Buffer.from(followerIo.cacheOf(index)).equals(leaderIo.cacheOf(index))).toBe(true)
    }
  })

  it.each([
    ['a damaged record (checksum)', (bytes: Uint8Array) => bytes.fill(0x55, 60, 61), /checksum/],
    ['a gap (LSN continuity)', (bytes: Uint8Array) => bytes, /lsn/],
  ])('refuses %s and writes nothing of it', (_name, damage, reason) => {
    const leaderIo = new MemorySegmentIo(SEGMENT_BYTES)
    const leader = new Producer()
    const { loop: leaderLoop } = newLoop(leaderIo, leader)
    const lsns = [1, 2, 3].map((index) => leader.append(putRecord(`m-${index}`)))
    while (leaderLoop.round());
    const records = recordsOf(leaderIo, leader.nextLsn)
    const followerIo = new MemorySegmentIo(SEGMENT_BYTES)
    const follower = new Producer()
    const { loop, control } = newLoop(followerIo, follower)
    follower.appendVerbatim(records[0]!)
    while (loop.round());
    const bad = records[1]!.slice()
    damage(bad)
    // For the gap case the second record is skipped: the third one arrives at the end.
    follower.appendVerbatim(reason.source === 'lsn' ? records[2]! : bad)
    expect(() => loop.round()).toThrow(
      expect.objectContaining({
        code: ErrorCode.RECORD_INVALID,
        message: expect.stringMatching(reason),
      }),
    )
    expect(control.durableEndLsn).toBe(lsns[1])
    expect(labels(followerIo).labels).toEqual(['m-1'])
  })

  it('refuses a record of an older epoch than one already written', () => {
    const leaderIo = new MemorySegmentIo(SEGMENT_BYTES)
    const leader = new Producer()
    const { loop: leaderLoop } = newLoop(leaderIo, leader)
    leader.append(putRecord('epoch-5'), 5)
    leader.append(putRecord('epoch-3'), 3)
    // A leader's own records meet the same floor: a lower epoch after a higher one is a bug.
    expect(() => leaderLoop.round()).toThrow(/epoch 3 not below 5/)
  })

  it('refuses a verbatim record of an older epoch', () => {
    const oldLeaderIo = new MemorySegmentIo(SEGMENT_BYTES)
    const oldLeader = new Producer()
    const { loop: oldLoop } = newLoop(oldLeaderIo, oldLeader)
    oldLeader.append(putRecord('a'), 6)
    oldLeader.append(putRecord('b'), 6)
    while (oldLoop.round());
    const [first, second] = recordsOf(oldLeaderIo, oldLeader.nextLsn)
    // The follower took its first record from a newer leader (epoch 7), then gets the old one's.
    const newLeaderIo = new MemorySegmentIo(SEGMENT_BYTES)
    const newLeader = new Producer()
    const newLeaderLoop = newLoop(newLeaderIo, newLeader).loop
    newLeader.append(putRecord('a'), 7)
    while (newLeaderLoop.round());
    const [newFirst] = recordsOf(newLeaderIo, newLeader.nextLsn)
    expect(first!.length).toBe(newFirst!.length)
    const followerIo = new MemorySegmentIo(SEGMENT_BYTES)
    const follower = new Producer()
    const { loop } = newLoop(followerIo, follower)
    follower.appendVerbatim(newFirst!)
    while (loop.round());
    follower.appendVerbatim(second!)
    expect(() => loop.round()).toThrow(/epoch 6 after 7/)
    expect(labels(followerIo).epochs).toEqual([7])
  })

  // The chaos suite's finding: a deposed primary's own EPOCH_START (epoch 144) is cut, and its
  // successor then sends its copy of the older epoch's records (143) at the same place. The
  // floor must go back with the cut, or the member fails and is banned for good.
  it('after a cut, a verbatim record of the epoch before the cut is accepted', () => {
    const oldLeaderIo = new MemorySegmentIo(SEGMENT_BYTES)
    const oldLeader = new Producer()
    const { loop: oldLoop } = newLoop(oldLeaderIo, oldLeader)
    oldLeader.append(putRecord('a'), 143)
    oldLeader.append(putRecord('b'), 143)
    while (oldLoop.round());
    const [first, second] = recordsOf(oldLeaderIo, oldLeader.nextLsn)
    const followerIo = new MemorySegmentIo(SEGMENT_BYTES)
    const follower = new Producer()
    const { loop } = newLoop(followerIo, follower)
    follower.appendVerbatim(first!)
    while (loop.round());
    // Then it was primary of 144 for a moment: its own record, at the place of 'b'.
    const cutAt = follower.nextLsn + first!.length
    follower.nextLsn = cutAt
    follower.append(putRecord('own'), 144)
    while (loop.round());
    expect(labels(followerIo).epochs).toEqual([143, 144])
    loop.truncateFrom(cutAt)
    follower.appendVerbatim(second!)
    while (loop.round());
    expect(labels(followerIo)).toMatchObject({ labels: ['a', 'b'], epochs: [143, 143] })
    // The floor is that of the records kept, not gone: an epoch older than 143 is refused.
    follower.nextLsn = oldLeader.nextLsn
    follower.append(putRecord('stale'), 142)
    expect(() => loop.round()).toThrow(/epoch 142 not below 143/)
  })

  it('truncateFrom cuts the tail across a seal, returns the cut records, keeps the rest', () => {
    const io = new MemorySegmentIo(SEGMENT_BYTES)
    const producer = new Producer()
    const { loop, control } = newLoop(io, producer)
    const names = Array.from({ length: 60 }, (_, index) => `t-${index}`)
    const lsns = names.map((name) => producer.append(putRecord(name, 1500), 2))
    while (loop.round());
    const end = producer.nextLsn
    // Cut from a record in the first segment: the rest of it, its seal and the next segment go.
    const cutAt = lsns[30]!
    expect(Math.floor(cutAt / SEGMENT_BYTES)).toBeLessThan(Math.floor(end / SEGMENT_BYTES))
    const expectedCut = recordsOf(io, end).filter((bytes) => recordLsn(bytes, 0) >= cutAt)
    const cut = loop.truncateFrom(cutAt)
    expect(cut).toMatchObject({ fromLsn: cutAt, endLsn: end })
    expect(Buffer.from(cut.records).equals(Buffer.concat(expectedCut))).toBe(true)
    expect(control.durableEndLsn).toBe(cutAt)
    io.crash() // the cut is durable
    expect(labels(io)).toMatchObject({ labels: names.slice(0, 30), endLsn: cutAt })
    // The log goes on at the cut, with a newer epoch.
    producer.nextLsn = cutAt
    producer.append(putRecord('after-cut'), 3)
    while (loop.round());
    expect(labels(io).labels).toEqual([...names.slice(0, 30), 'after-cut'])
  })

  it('a restarted loop resumes after the durable end and skips frames already written', () => {
    const io = new MemorySegmentIo(SEGMENT_BYTES)
    const producer = new Producer()
    const control = JournalControlBlock.create(START_LSN, 0)
    // The first worker syncs 'one' and 'two' and dies before it releases their frames.
    const dying = FramedRing.attach(producer.ring.sharedBuffer)
    const neverReleases = { readBatch: dying.readBatch.bind(dying), releaseAll: () => undefined }
    const first = new JournalLoop(io, neverReleases, control, {
      segmentBytes: SEGMENT_BYTES,
      batchBytes: 1024 * 1024,
    })
    producer.append(putRecord('one'))
    producer.append(putRecord('two'))
    first.round()
    producer.append(putRecord('three'))
    const second = newLoop(io, producer, control).loop
    while (second.round());
    expect(labels(io).labels).toEqual(['one', 'two', 'three'])
    expect(second.stats().records).toBe(1)
  })
})

/** Every record of a leader's log from START_LSN to `end`, as finalized bytes, seals included. */
function recordsOf(io: MemorySegmentIo, end: number): Uint8Array[] {
  const records: Uint8Array[] = []
  let lsn = START_LSN
  while (lsn < end) {
    const index = Math.floor(lsn / SEGMENT_BYTES)
    const cache = io.cacheOf(index)
    const at = lsn - index * SEGMENT_BYTES
    const length = recordLength(cache, at)
    const bytes = cache.slice(at, at + length)
    records.push(bytes)
    lsn =
      bytes[HeaderOffset.TYPE] === RecordType.SEGMENT_SEAL
        ? (index + 1) * SEGMENT_BYTES
        : lsn + length
  }
  return records
}
