/**
 * Goal: each rule of the framed ring holds at its edges: layout and framing, padding, exact fit
 * at the end, wrap markers, the size limit, a full ring with held frames, positions wrapping past
 * 2^32, close/fail/fence and the wake-ups. Method: producer and consumer instances on one thread
 * (two attachments of one SharedArrayBuffer); async waits are started without awaiting, so the
 * sleeping flag they raise is observed deterministically before the other side acts.
 */
import { describe, expect, it } from 'vitest'
import { AssertionError } from '../../src/assert.js'
import { isQmqError } from '../../src/errors.js'
import { FramedRing } from '../../src/ring/framed-ring.js'
import {
  ControlSlot,
  RING_CONTROL_BYTES,
  RING_CONTROL_SLOTS,
  RING_WRAP_TAG,
  ringFrameBytes,
} from '../../src/ring/ring-layout.js'

interface ReadFrame {
  readonly payload: number[]
  readonly payloadOffset: number
  readonly tag: number
  readonly position: number
}

function readAll(ring: FramedRing, maxBytes?: number): ReadFrame[] {
  const frames: ReadFrame[] = []
  ring.readBatch((data, payloadOffset, payloadLength, tag, position) => {
    const payload = [...data.subarray(payloadOffset, payloadOffset + payloadLength)]
    frames.push({ payload, payloadOffset, tag, position })
  }, maxBytes)
  return frames
}

/** A producer and a consumer joined by a new ring whose positions both start at `position`. */
function ringPair(
  capacityBytes: number,
  position = 0,
): { producer: FramedRing; consumer: FramedRing } {
  const creator = FramedRing.create(capacityBytes)
  const control = new Int32Array(creator.sharedBuffer, 0, RING_CONTROL_SLOTS)
  Atomics.store(control, ControlSlot.WRITE_POSITION, position | 0)
  Atomics.store(control, ControlSlot.READ_POSITION, position | 0)
  return {
    producer: FramedRing.attach(creator.sharedBuffer),
    consumer: FramedRing.attach(creator.sharedBuffer),
  }
}

/** tryReserve + copy + commit: the frame's position, or -1 when the ring has no room now. */
function write(ring: FramedRing, tag: number, payload: Uint8Array): number {
  const offset = ring.tryReserve(payload.length, tag)
  if (offset < 0) return -1
  ring.data.set(payload, offset)
  return ring.commit()
}

function bytesOf(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, index) => (seed + index * 7) & 0xff)
}

async function expectRingClosed(work: Promise<unknown> | (() => unknown), reason: string) {
  let caught: unknown
  try {
    if (typeof work === 'function') work()
    else await work
  } catch (error) {
    caught = error
  }
  expect(isQmqError(caught), `expected RING_CLOSED, got ${String(caught)}`).toBe(true)
  if (!isQmqError(caught)) return
  expect(caught.code).toBe('QMQ_RING_CLOSED')
  expect(caught.details['reason']).toBe(reason)
}

describe('create and attach', () => {
  it('refuses capacities that are not a power of two or out of range', () => {
    expect(() => FramedRing.create(100)).toThrow(AssertionError)
    expect(() => FramedRing.create(32)).toThrow(AssertionError)
    expect(() => FramedRing.create(2 ** 31)).toThrow(AssertionError)
    expect(() => FramedRing.create(64.5)).toThrow(AssertionError)
    expect(FramedRing.create(64).maxPayloadBytes).toBe(24)
  })

  it('refuses a buffer that is not a ring, and one of the wrong size', () => {
    expect(() => FramedRing.attach(new SharedArrayBuffer(RING_CONTROL_BYTES + 64))).toThrow(
      /not a FramedRing/,
    )
    const ring = FramedRing.create(128)
    const grown = new SharedArrayBuffer(RING_CONTROL_BYTES + 256)
    new Uint8Array(grown).set(new Uint8Array(ring.sharedBuffer))
    expect(() => FramedRing.attach(grown)).toThrow(/disagrees with the buffer size/)
  })

  it('shares data and positions between attachments', () => {
    const { producer, consumer } = ringPair(256)
    expect(write(producer, 9, bytesOf(5, 1))).toBeGreaterThanOrEqual(0)
    expect(consumer.capacityBytes).toBe(256)
    expect(readAll(consumer)).toEqual([
      { payload: [...bytesOf(5, 1)], payloadOffset: 8, tag: 9, position: 0 },
    ])
  })
})

describe('framing', () => {
  it('writes [u32 LE length][u32 LE tag] and pads each frame to 8 bytes', () => {
    const { producer, consumer } = ringPair(1024)
    const view = new DataView(producer.sharedBuffer, RING_CONTROL_BYTES)
    let expectedPosition = 0
    for (let payloadLength = 0; payloadLength <= 17; payloadLength++) {
      const offset = producer.tryReserve(payloadLength, 0x01020304 + payloadLength)
      expect(offset).toBe(expectedPosition + 8)
      expect(view.getUint32(expectedPosition, true)).toBe(payloadLength)
      expect(view.getUint32(expectedPosition + 4, true)).toBe(0x01020304 + payloadLength)
      producer.data.set(bytesOf(payloadLength, payloadLength), offset)
      expect(producer.commit()).toBe(expectedPosition)
      expectedPosition += ringFrameBytes(payloadLength)
    }
    expect(ringFrameBytes(0)).toBe(8)
    expect(ringFrameBytes(1)).toBe(16)
    expect(ringFrameBytes(8)).toBe(16)
    expect(ringFrameBytes(9)).toBe(24)
    const frames = readAll(consumer)
    expect(frames.map((frame) => frame.payload.length)).toEqual([...Array(18).keys()])
    expect(frames[17]?.payload).toEqual([...bytesOf(17, 17)])
    expect(consumer.availableBytes()).toBe(0)
    expect(consumer.stats().writePosition).toBe(expectedPosition)
  })

  it('fills exactly to the end without a wrap marker, then continues at offset 0', () => {
    const { producer, consumer } = ringPair(256)
    expect(producer.tryReserve(120, 1)).toBe(8) // frame [0, 128)
    expect(producer.commit()).toBe(0)
    expect(producer.tryReserve(120, 2)).toBe(136) // frame [128, 256): ends exactly at the end
    expect(producer.commit()).toBe(128)
    expect(readAll(consumer).map((frame) => frame.position)).toEqual([0, 128])
    consumer.releaseAll()
    expect(producer.tryReserve(0, 3)).toBe(8)
    expect(producer.commit()).toBe(256)
    expect(readAll(consumer)).toEqual([{ payload: [], payloadOffset: 8, tag: 3, position: 256 }])
  })

  it('writes a wrap marker when a frame does not fit before the end', () => {
    const { producer, consumer } = ringPair(256)
    expect(write(producer, 1, bytesOf(100, 1))).toBeGreaterThanOrEqual(0) // [0, 112)
    expect(write(producer, 2, bytesOf(100, 2))).toBeGreaterThanOrEqual(0) // [112, 224)
    readAll(consumer)
    consumer.releaseAll()
    // 32 bytes remain before the end, the next frame needs 112: skip them.
    expect(write(producer, 3, bytesOf(100, 3))).toBe(256)
    const view = new DataView(producer.sharedBuffer, RING_CONTROL_BYTES)
    expect(view.getUint32(224, true)).toBe(32 - 8)
    expect(view.getUint32(228, true)).toBe(RING_WRAP_TAG)
    expect(readAll(consumer)).toEqual([
      { payload: [...bytesOf(100, 3)], payloadOffset: 8, tag: 3, position: 256 },
    ])
    expect(consumer.availableBytes()).toBe(0)
    expect(consumer.stats().writePosition).toBe(256 + 112)
  })

  it('never splits a frame: the payload is always contiguous in data', () => {
    const { producer, consumer } = ringPair(128)
    for (let round = 0; round < 200; round++) {
      const payloadLength = (round * 13) % (producer.maxPayloadBytes + 1)
      const offset = producer.tryReserve(payloadLength, round)
      expect(offset).toBeGreaterThanOrEqual(8)
      expect(offset + payloadLength).toBeLessThanOrEqual(producer.capacityBytes)
      producer.data.set(bytesOf(payloadLength, round), offset)
      producer.commit()
      const [frame] = readAll(consumer)
      expect(frame?.payload).toEqual([...bytesOf(payloadLength, round)])
      consumer.releaseAll()
    }
  })

  it('refuses the wrap tag and malformed lengths', () => {
    const { producer } = ringPair(256)
    expect(() => producer.tryReserve(1, RING_WRAP_TAG)).toThrow(AssertionError)
    expect(() => producer.tryReserve(-1, 0)).toThrow(AssertionError)
    expect(() => producer.tryReserve(1.5, 0)).toThrow(AssertionError)
    expect(() => producer.tryReserve(1, -1)).toThrow(AssertionError)
  })
})

describe('size limit', () => {
  it('accepts a frame of exactly half the ring and refuses one byte more', async () => {
    const { producer } = ringPair(256)
    expect(producer.maxPayloadBytes).toBe(120)
    expect(producer.tryReserve(120, 0)).toBeGreaterThan(0)
    producer.commit()
    for (const attempt of [
      () => producer.tryReserve(121, 0),
      () => producer.waitForSpace(121, 0),
    ]) {
      expect(attempt).toThrow(/QMQ_RING_FRAME_TOO_LARGE/)
    }
    await expect(producer.waitForSpaceAsync(121, 0)).rejects.toMatchObject({
      code: 'QMQ_RING_FRAME_TOO_LARGE',
      details: { payloadLength: 121, maxPayloadBytes: 120 },
    })
  })
})

describe('full ring and held frames', () => {
  it('returns -1 when full; read frames keep their space until released', () => {
    const { producer, consumer } = ringPair(256)
    for (let frame = 0; frame < 4; frame++)
      expect(write(producer, frame, bytesOf(56, 0))).toBeGreaterThanOrEqual(0)
    expect(producer.tryReserve(0, 9)).toBe(-1)
    expect(readAll(consumer, 128).map((frame) => frame.tag)).toEqual([0, 1])
    expect(producer.tryReserve(0, 9)).toBe(-1) // consumed, not released
    consumer.release(64) // the first frame only
    expect(producer.stats().freeBytes).toBe(64)
    expect(write(producer, 4, bytesOf(56, 4))).toBeGreaterThanOrEqual(0)
    expect(producer.tryReserve(0, 9)).toBe(-1)
    expect(producer.waitForSpace(0, 0)).toBe(false)
  })

  it('release refuses positions beyond the consumed position', () => {
    const { producer, consumer } = ringPair(256)
    write(producer, 1, bytesOf(8, 1))
    expect(() => consumer.release(16)).toThrow(AssertionError)
    readAll(consumer)
    consumer.release(16)
    expect(consumer.stats().releasedPosition).toBe(16)
    consumer.release(16) // nothing more: a no-op
  })

  it('a restarted consumer re-reads every frame not yet released', () => {
    const { producer, consumer } = ringPair(512)
    for (let frame = 0; frame < 3; frame++) write(producer, frame, bytesOf(10, frame))
    const firstRead = readAll(consumer)
    consumer.release(firstRead[1]?.position ?? -1) // releases frame 0 only
    const restarted = FramedRing.attach(consumer.sharedBuffer)
    expect(readAll(restarted)).toEqual(firstRead.slice(1))
    expect(readAll(restarted)).toEqual([])
  })
})

describe('readBatch', () => {
  it('a declined frame is not consumed and comes first in the next batch', () => {
    const { producer, consumer } = ringPair(512)
    for (let frame = 0; frame < 4; frame++) write(producer, frame, bytesOf(4, frame))
    const seen: number[] = []
    const count = consumer.readBatch((_data, _offset, _length, tag) => {
      if (tag === 2) return false
      seen.push(tag)
      return true
    })
    expect(count).toBe(2)
    expect(seen).toEqual([0, 1])
    expect(readAll(consumer).map((frame) => frame.tag)).toEqual([2, 3])
  })

  it('a visitor that throws leaves its frame unconsumed', () => {
    const { producer, consumer } = ringPair(512)
    write(producer, 1, bytesOf(4, 1))
    expect(() =>
      consumer.readBatch(() => {
        throw new Error('journal buffer full')
      }),
    ).toThrow('journal buffer full')
    expect(readAll(consumer).map((frame) => frame.tag)).toEqual([1])
  })

  it('stops before maxBytes but always offers the first frame', () => {
    const { producer, consumer } = ringPair(512)
    for (let frame = 0; frame < 4; frame++) write(producer, frame, bytesOf(24, frame)) // 32 B
    expect(readAll(consumer, 8).map((frame) => frame.tag)).toEqual([0])
    expect(readAll(consumer, 64).map((frame) => frame.tag)).toEqual([1, 2])
    expect(consumer.availableBytes()).toBe(32)
    expect(readAll(consumer).map((frame) => frame.tag)).toEqual([3])
    expect(readAll(consumer)).toEqual([])
  })
})

describe('free-running positions', () => {
  it('wrap past 2^32 without losing a frame', () => {
    const start = 2 ** 32 - 3 * 64
    const { producer, consumer } = ringPair(256, start)
    const positions: number[] = []
    for (let frame = 0; frame < 12; frame++) {
      const position = write(producer, frame, bytesOf(40, frame)) // 48-byte frames
      expect(position).toBeGreaterThanOrEqual(0)
      positions.push(position)
      const [read] = readAll(consumer)
      expect(read?.tag).toBe(frame)
      expect(read?.position).toBe(position)
      expect(read?.payload).toEqual([...bytesOf(40, frame)])
      consumer.releaseAll()
    }
    expect(positions[0]).toBe(start)
    expect(positions.some((position) => position < start)).toBe(true) // wrapped
    expect(producer.stats().usedBytes).toBe(0)
  })
})

describe('notification', () => {
  it('flush notifies only a consumer that flagged sleep, once, or always when forced', async () => {
    const { producer, consumer } = ringPair(256)
    write(producer, 1, bytesOf(1, 1))
    expect(producer.flush()).toBe(false)
    readAll(consumer)
    const waiting = consumer.waitForDataAsync(Infinity)
    expect(producer.stats().consumerSleeping).toBe(true)
    write(producer, 2, bytesOf(1, 2))
    write(producer, 3, bytesOf(1, 3))
    expect(producer.flush()).toBe(true)
    expect(producer.flush()).toBe(false) // the flag was cleared by the first wake
    await expect(waiting).resolves.toBe(true)
    expect(producer.stats().consumerWakeUps).toBe(1)
    expect(producer.flush(true)).toBe(true)
    expect(producer.stats().consumerWakeUps).toBe(2)
    expect(producer.stats().framesWritten).toBe(3)
  })

  it('a producer waiting for space is woken by release', async () => {
    const { producer, consumer } = ringPair(128)
    write(producer, 1, bytesOf(56, 1))
    write(producer, 2, bytesOf(56, 2))
    const waiting = producer.waitForSpaceAsync(56, Infinity)
    expect(producer.stats().producerWaiting).toBe(true)
    readAll(consumer, 1)
    consumer.releaseAll()
    await expect(waiting).resolves.toBe(true)
    expect(producer.stats().producerWakeUps).toBe(1)
    expect(write(producer, 3, bytesOf(56, 3))).toBeGreaterThanOrEqual(0)
  })

  it('waits return false on timeout and true at once when the condition holds', async () => {
    const { producer, consumer } = ringPair(128)
    expect(consumer.waitForData(0)).toBe(false)
    expect(consumer.waitForData(1)).toBe(false)
    await expect(consumer.waitForDataAsync(1)).resolves.toBe(false)
    const spinning = FramedRing.attach(consumer.sharedBuffer, { spinMicros: 20 })
    expect(spinning.waitForData(0)).toBe(false)
    write(producer, 1, bytesOf(1, 1))
    expect(consumer.waitForData(0)).toBe(true)
    expect(spinning.waitForData(Infinity)).toBe(true)
    await expect(consumer.waitForDataAsync(Infinity)).resolves.toBe(true)
    expect(producer.waitForSpace(8, Infinity)).toBe(true)
    write(producer, 2, bytesOf(56, 2))
    await expect(producer.waitForSpaceAsync(56, 1)).resolves.toBe(false)
  })
})

describe('close and fail', () => {
  it('close lets the consumer drain, then both sides see RING_CLOSED', async () => {
    const { producer, consumer } = ringPair(256)
    write(producer, 1, bytesOf(3, 1))
    expect(producer.close()).toBe(true)
    expect(producer.close()).toBe(false)
    expect(consumer.stats().state).toBe('closed')
    await expectRingClosed(() => producer.tryReserve(1, 1), 'closed')
    expect(consumer.waitForData(Infinity)).toBe(true)
    expect(readAll(consumer).map((frame) => frame.tag)).toEqual([1])
    await expectRingClosed(() => consumer.waitForData(Infinity), 'closed')
    await expectRingClosed(consumer.waitForDataAsync(Infinity), 'closed')
  })

  it('close wakes a consumer and a producer that are waiting', async () => {
    const { producer, consumer } = ringPair(128)
    write(producer, 1, bytesOf(56, 1))
    write(producer, 2, bytesOf(56, 2))
    readAll(consumer) // consumed but held: the producer stays blocked, the consumer has nothing
    // Producer first: waitForSpace flushes, which would wake a consumer already asleep.
    const producerWait = producer.waitForSpaceAsync(56, Infinity)
    const consumerWait = consumer.waitForDataAsync(Infinity)
    expect(producer.stats()).toMatchObject({ consumerSleeping: true, producerWaiting: true })
    consumer.close()
    await expectRingClosed(consumerWait, 'closed')
    await expectRingClosed(producerWait, 'closed')
  })

  it('fail stops both sides at once with the first failure code', async () => {
    const { producer, consumer } = ringPair(256)
    const consumerWait = consumer.waitForDataAsync(Infinity)
    expect(consumer.fail(28)).toBe(true) // ENOSPC, say
    expect(producer.fail(5)).toBe(false)
    expect(producer.close()).toBe(false)
    expect(producer.stats().state).toBe('failed')
    await expectRingClosed(consumerWait, 'failed')
    await expectRingClosed(() => producer.tryReserve(0, 0), 'failed')
    await expectRingClosed(() => consumer.readBatch(() => true), 'failed')
    await expect(consumer.waitForDataAsync(0)).rejects.toMatchObject({
      details: { reason: 'failed', failureCode: 28 },
    })
    expect(() => producer.fail(0)).toThrow(AssertionError)
  })

  it('fail after close still fails (frames are abandoned)', () => {
    const { producer, consumer } = ringPair(256)
    write(producer, 1, bytesOf(3, 1))
    producer.close()
    expect(consumer.fail(1)).toBe(true)
    expect(consumer.stats().state).toBe('failed')
  })
})

describe('generation fence', () => {
  it('fences a stale consumer; its replacement resumes at the released position', async () => {
    const { producer, consumer: stale } = ringPair(256)
    for (let frame = 0; frame < 3; frame++) write(producer, frame, bytesOf(8, frame))
    const read = readAll(stale)
    stale.release(read[1]?.position ?? -1)
    const staleWait = stale.waitForDataAsync(Infinity)
    expect(producer.stats().consumerSleeping).toBe(true)
    // Supervisor, on the surviving side, after terminating the stale consumer:
    expect(producer.bumpGeneration()).toBe(1)
    await expectRingClosed(staleWait, 'fenced')
    await expectRingClosed(() => stale.releaseAll(), 'fenced')
    await expectRingClosed(() => stale.readBatch(() => true), 'fenced')
    expect(stale.close()).toBe(false)
    expect(stale.fail(3)).toBe(false)
    expect(producer.stats().state).toBe('open')

    const replacement = FramedRing.attach(producer.sharedBuffer)
    expect(replacement.stats().generation).toBe(1)
    expect(readAll(replacement).map((frame) => frame.tag)).toEqual([1, 2])
    expect(write(producer, 3, bytesOf(8, 3))).toBeGreaterThanOrEqual(0)
    expect(readAll(replacement).map((frame) => frame.tag)).toEqual([3])
  })

  it('fences a stale producer, even in the middle of a reservation', async () => {
    const { producer: stale, consumer } = ringPair(256)
    expect(stale.tryReserve(4, 1)).toBeGreaterThan(0)
    consumer.bumpGeneration()
    await expectRingClosed(() => stale.commit(), 'fenced')
    await expectRingClosed(() => stale.tryReserve(4, 1), 'fenced')
    const replacement = FramedRing.attach(consumer.sharedBuffer)
    expect(write(replacement, 2, bytesOf(4, 2))).toBeGreaterThanOrEqual(0)
    expect(readAll(consumer).map((frame) => frame.tag)).toEqual([2])
  })

  it('detects a second producer of one generation before it writes a byte', async () => {
    const { producer: first, consumer } = ringPair(256)
    const second = FramedRing.attach(consumer.sharedBuffer)
    expect(write(first, 1, bytesOf(4, 1))).toBeGreaterThanOrEqual(0)
    await expectRingClosed(() => write(second, 2, bytesOf(4, 2)), 'conflict')
    expect(readAll(consumer).map((frame) => frame.tag)).toEqual([1])
  })
})

describe('producer API details', () => {
  it('reservations must be committed one at a time', () => {
    const { producer, consumer } = ringPair(256)
    expect(() => producer.commit()).toThrow(AssertionError)
    const offset = producer.tryReserve(1, 1)
    expect(() => producer.tryReserve(1, 1)).toThrow(AssertionError)
    expect(() => producer.waitForSpace(1, 0)).toThrow(AssertionError)
    producer.data[offset] = 42
    expect(producer.commit()).toBe(0)
    expect(() => producer.commit()).toThrow(AssertionError)
    expect(readAll(consumer)).toEqual([{ payload: [42], payloadOffset: 8, tag: 1, position: 0 }])
  })
})
