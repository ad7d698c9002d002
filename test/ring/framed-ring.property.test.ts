/**
 * Goal: for any frame sizes and any interleaving of producer and consumer operations, the ring
 * behaves exactly like its specification: frames arrive once, in order, intact, at the positions
 * the wrap rule predicts; tryReserve fails exactly when the frame (plus any skipped tail) does not
 * fit in the unreleased space; releases, rewinds and consumer restarts re-deliver precisely the
 * frames not yet released. Method: fast-check, with a fixed seed so runs are reproducible,
 * generates a ring size, a starting position (including ones just below 2^32) and a sequence of
 * operations, and runs them on one thread against a small reference model.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isQmqError } from '../../src/errors.js'
import { FramedRing } from '../../src/ring/framed-ring.js'
import { ControlSlot, RING_CONTROL_SLOTS, ringFrameBytes } from '../../src/ring/ring-layout.js'

type Operation =
  | { readonly kind: 'write'; readonly payloadLength: number; readonly tag: number }
  | { readonly kind: 'flush' }
  | { readonly kind: 'read'; readonly maxBytes: number; readonly declineAt: number }
  | { readonly kind: 'release'; readonly share: number }
  | { readonly kind: 'rewind' }
  | { readonly kind: 'restartConsumer' }

interface ModelFrame {
  readonly position: number
  readonly payloadLength: number
  readonly tag: number
  readonly serial: number
}

interface Scenario {
  readonly capacityBytes: number
  readonly startPosition: number
  readonly operations: readonly Operation[]
}

const PROPERTY_SEED = 0x51524e47
const PROPERTY_RUNS = 1000

function payloadByte(serial: number, index: number): number {
  return (serial * 31 + index * 7 + 1) & 0xff
}

function operationArbitrary(capacityBytes: number): fc.Arbitrary<Operation> {
  // Up to half the ring, so a few lengths exceed the maximum payload (half minus the header).
  const payloadLength = fc.oneof(
    fc.integer({ min: 0, max: 24 }),
    fc.integer({ min: 0, max: capacityBytes / 2 }),
  )
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({ kind: fc.constant('write' as const), payloadLength, tag: fc.nat() }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('flush' as const) }) },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('read' as const),
        maxBytes: fc.integer({ min: 1, max: capacityBytes }),
        declineAt: fc.integer({ min: -1, max: 3 }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('release' as const),
        share: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('rewind' as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('restartConsumer' as const) }) },
  )
}

const scenarioArbitrary: fc.Arbitrary<Scenario> = fc
  .record({
    capacityBytes: fc.constantFrom(64, 128, 256, 1024),
    startPosition: fc.oneof(
      fc.constant(0),
      fc.integer({ min: 1, max: 64 }).map((lines) => 2 ** 32 - lines * 8),
      fc.integer({ min: 0, max: 2 ** 29 - 1 }).map((words) => words * 8),
    ),
  })
  .chain(({ capacityBytes, startPosition }) =>
    fc
      .array(operationArbitrary(capacityBytes), { maxLength: 150 })
      .map((operations) => ({ capacityBytes, startPosition, operations })),
  )

/** The ring under test plus the reference model it is compared with after every operation. */
class Harness {
  readonly producer: FramedRing
  consumer: FramedRing
  readonly mask: number
  modelWrite: number
  modelReleased: number
  /** Committed, unreleased frames in order; the first `consumedCount` have been read. */
  frames: ModelFrame[] = []
  consumedCount = 0
  nextSerial = 0
  committedCount = 0

  constructor(
    readonly capacityBytes: number,
    startPosition: number,
  ) {
    const creator = FramedRing.create(capacityBytes)
    const control = new Int32Array(creator.sharedBuffer, 0, RING_CONTROL_SLOTS)
    Atomics.store(control, ControlSlot.WRITE_POSITION, startPosition | 0)
    Atomics.store(control, ControlSlot.READ_POSITION, startPosition | 0)
    this.producer = FramedRing.attach(creator.sharedBuffer)
    this.consumer = FramedRing.attach(creator.sharedBuffer)
    this.mask = capacityBytes - 1
    this.modelWrite = startPosition
    this.modelReleased = startPosition
  }

  run(operation: Operation): void {
    switch (operation.kind) {
      case 'write':
        return this.write(operation.payloadLength, operation.tag)
      case 'flush':
        expect(this.producer.flush()).toBe(false) // nobody sleeps on one thread
        expect(this.producer.stats().framesWritten).toBe(this.committedCount)
        return
      case 'read':
        return this.read(operation.maxBytes, operation.declineAt)
      case 'release':
        return this.release(operation.share)
      case 'rewind':
        // A second attachment (no fence) reads again from the released position.
        this.consumer = FramedRing.attach(this.producer.sharedBuffer)
        this.consumedCount = 0
        return
      case 'restartConsumer':
        return this.restartConsumer()
    }
  }

  write(payloadLength: number, tag: number): void {
    if (payloadLength > this.producer.maxPayloadBytes) {
      expect(() => this.producer.tryReserve(payloadLength, tag)).toThrow(/FRAME_TOO_LARGE/)
      return
    }
    const frameBytes = ringFrameBytes(payloadLength)
    const bytesToEnd = this.capacityBytes - (this.modelWrite & this.mask)
    const skippedBytes = frameBytes > bytesToEnd ? bytesToEnd : 0
    const freeBytes = this.capacityBytes - ((this.modelWrite - this.modelReleased) >>> 0)
    const payloadOffset = this.producer.tryReserve(payloadLength, tag)
    if (skippedBytes + frameBytes > freeBytes) {
      expect(payloadOffset).toBe(-1)
      return
    }
    const position = (this.modelWrite + skippedBytes) >>> 0
    expect(payloadOffset).toBe((position & this.mask) + 8)
    const serial = this.nextSerial++
    for (let index = 0; index < payloadLength; index++) {
      this.producer.data[payloadOffset + index] = payloadByte(serial, index)
    }
    expect(this.producer.commit()).toBe(position)
    this.frames.push({ position, payloadLength, tag, serial })
    this.modelWrite = (position + frameBytes) >>> 0
    this.committedCount += 1
  }

  read(maxBytes: number, declineAt: number): void {
    const expected: ModelFrame[] = []
    let batchBytes = 0
    for (const frame of this.frames.slice(this.consumedCount)) {
      const frameBytes = ringFrameBytes(frame.payloadLength)
      if (expected.length > 0 && batchBytes + frameBytes > maxBytes) break
      if (expected.length === declineAt) break
      expected.push(frame)
      batchBytes += frameBytes
    }
    let offered = 0
    let mismatches = 0
    const actual: { position: number; payloadLength: number; tag: number }[] = []
    const count = this.consumer.readBatch((data, payloadOffset, payloadLength, tag, position) => {
      if (offered++ === declineAt) return false
      const serial = expected[actual.length]?.serial ?? -1
      for (let index = 0; index < payloadLength; index++) {
        if (data[payloadOffset + index] !== payloadByte(serial, index)) mismatches += 1
      }
      actual.push({ position, payloadLength, tag })
      return true
    }, maxBytes)
    expect(actual).toEqual(
      expected.map(({ position, payloadLength, tag }) => ({ position, payloadLength, tag })),
    )
    expect(count).toBe(expected.length)
    expect(mismatches).toBe(0)
    this.consumedCount += count
    const next = this.frames[this.consumedCount]
    expect(this.consumedPosition()).toBe(next === undefined ? this.modelWrite : next.position)
  }

  release(share: number): void {
    const releasedFrames = Math.round(share * this.consumedCount)
    const next = this.frames[releasedFrames]
    const target =
      releasedFrames === this.consumedCount || next === undefined
        ? this.consumedPosition()
        : next.position
    this.consumer.release(target)
    this.frames.splice(0, releasedFrames)
    this.consumedCount -= releasedFrames
    this.modelReleased = target
  }

  restartConsumer(): void {
    const stale = this.consumer
    this.producer.bumpGeneration()
    let staleError: unknown
    try {
      stale.readBatch(() => true)
    } catch (error) {
      staleError = error
    }
    expect(isQmqError(staleError) && staleError.details['reason']).toBe('fenced')
    this.consumer = FramedRing.attach(this.producer.sharedBuffer)
    this.consumedCount = 0
    expect(this.consumedPosition()).toBe(this.modelReleased)
  }

  /** The consumer's cursor, from what it has left to read (the ring keeps it private). */
  consumedPosition(): number {
    return (this.modelWrite - this.consumer.availableBytes()) >>> 0
  }

  checkPositions(): void {
    const stats = this.producer.stats()
    expect(stats.writePosition).toBe(this.modelWrite)
    expect(stats.releasedPosition).toBe(this.modelReleased)
    expect(stats.usedBytes).toBe((this.modelWrite - this.modelReleased) >>> 0)
    expect(stats.usedBytes).toBeLessThanOrEqual(this.capacityBytes)
  }
}

describe('framed ring against a reference model', () => {
  it('matches the model for random sizes and interleavings', () => {
    fc.assert(
      fc.property(scenarioArbitrary, ({ capacityBytes, startPosition, operations }) => {
        const harness = new Harness(capacityBytes, startPosition)
        for (const operation of operations) {
          harness.run(operation)
          harness.checkPositions()
        }
        // Drain: whatever happened, every unreleased frame is still delivered, then space frees.
        harness.run({ kind: 'rewind' })
        harness.run({ kind: 'read', maxBytes: capacityBytes, declineAt: -1 })
        harness.run({ kind: 'release', share: 1 })
        harness.checkPositions()
        expect(harness.producer.stats().usedBytes).toBe(0)
        // An empty ring takes a frame of the maximum size wherever its positions are.
        harness.run({ kind: 'write', payloadLength: harness.producer.maxPayloadBytes, tag: 1 })
        expect(harness.frames).toHaveLength(1)
      }),
      { seed: PROPERTY_SEED, numRuns: PROPERTY_RUNS },
    )
  })
})
