/**
 * Goal: every frame type survives encode → any split of the byte stream → parse unchanged, the
 * encoding is canonical, and no input bytes whatsoever make the parser throw or return anything
 * but frames and catalogued ReplicationFrameErrors; a single flipped bit is always caught.
 * Method: fast-check arbitraries for each frame type within every documented range. Each
 * property is time-boxed (TIME_BOX_MS, interrupted runs pass if nothing failed so far), so the
 * file stays a few seconds long on a busy machine; run counts are the target when time allows.
 */
import fc from 'fast-check'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { crc32c, crc32cAppend } from '../../src/checksum/crc32c.js'
import { ErrorCode } from '../../src/errors.js'
import type { EpochRun } from '../../src/replication/epoch-history.js'
import { MessageType } from '../../src/replication/messages.js'
import { ReplicationFrameParser } from '../../src/wire/replication-frame-parser.js'
import {
  encodeReplicationFrame,
  encodeReplicationFrameHead,
  encodeReplicationFrameInto,
  frameCodeOf,
  frameTail,
  isReplicationFrameError,
  LinkMessageType,
  maxPayloadBytesOf,
  ReplicationFault,
  ReplicationFrameError,
  RefusalReason,
  type LinkEnd,
  type ReplicationFrame,
  type ReplicationFrameTag,
} from '../../src/wire/replication-protocol.js'
import { comparable, cutAt, NAMES, parsePieces } from './replication-fixtures.js'

const TIME_BOX_MS = 2_000
const budget = (numRuns: number): fc.Parameters<unknown> => ({
  numRuns,
  interruptAfterTimeLimit: TIME_BOX_MS,
})

afterEach(() => {
  vi.restoreAllMocks()
})

// ---- Arbitraries: values inside every documented range ----

const U32_MAX = 0xffff_ffff
const epoch = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: U32_MAX }))
const MAX_LSN_UNITS = Math.floor(Number.MAX_SAFE_INTEGER / 8)
/** Multiples of 8 below 2^53, the small ones (real logs) most often. */
const lsn = fc
  .oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 1 << 20 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: MAX_LSN_UNITS }) },
    { weight: 1, arbitrary: fc.constant(MAX_LSN_UNITS) },
  )
  .map((units) => units * 8)
const printable = fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code))
const name = (maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: printable, minLength: 1, maxLength })
const bytes = (maxLength: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength })
/** Ascending epochs, non-descending start LSNs, all below `below`. */
const history = (below = Number.MAX_SAFE_INTEGER): fc.Arbitrary<EpochRun[]> =>
  fc
    .array(fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 1 << 16 })), {
      maxLength: 12,
    })
    .map((steps) => {
      let runEpoch = 0
      let startLsn = 64
      const runs: EpochRun[] = []
      for (const [epochStep, lsnStep] of steps) {
        runEpoch += epochStep
        if (startLsn + 8 * lsnStep >= below || runEpoch > U32_MAX) break
        startLsn += 8 * lsnStep
        runs.push({ epoch: runEpoch, startLsn })
      }
      return runs
    })

const envelope = { from: NAMES.from, to: NAMES.to }

const append = fc
  .record({
    epoch,
    prevLsn: fc.integer({ min: 0, max: 1 << 30 }).map((units) => units * 8),
    commitLsn: lsn,
    records: fc
      .integer({ min: 0, max: 64 })
      .chain((words) => fc.uint8Array({ minLength: words * 8, maxLength: words * 8 })),
    entriesBelow: fc.nat(),
    prevBelow: fc.nat(),
  })
  .map(({ epoch: sender, prevLsn, commitLsn, records, entriesBelow, prevBelow }) => {
    const entriesEpoch = sender - (entriesBelow % (sender + 1))
    const prevEpoch = entriesEpoch - (prevBelow % (entriesEpoch + 1))
    const endLsn = prevLsn + records.length
    return {
      type: MessageType.APPEND,
      ...envelope,
      epoch: sender,
      prevLsn,
      prevEpoch,
      endLsn,
      entriesEpoch,
      commitLsn,
      payload: records,
    } satisfies ReplicationFrame
  })

const checkpointChunk = fc
  .record({
    epoch,
    lsn: lsn.filter((value) => value > 0),
    totalBytes: fc.integer({ min: 0, max: 1 << 24 }),
    chunk: bytes(300),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    seed: fc.nat(),
  })
  .chain(({ lsn: checkpointLsn, totalBytes, chunk, at, ...rest }) =>
    history(checkpointLsn).map((runs) => {
      const length = totalBytes === 0 ? 0 : Math.max(1, Math.min(chunk.length, totalBytes))
      const offset = Math.floor(at * (totalBytes - length))
      const piece =
        totalBytes === 0 ? new Uint8Array(0) : Uint8Array.from({ length }, (_, i) => chunk[i] ?? i)
      return {
        type: LinkMessageType.CHECKPOINT_CHUNK,
        ...envelope,
        epoch: rest.epoch,
        lsn: checkpointLsn,
        history: runs,
        totalBytes,
        offset,
        chunk: piece,
      } satisfies ReplicationFrame
    }),
  )

const frameArbitraries: { readonly [T in ReplicationFrameTag]: fc.Arbitrary<ReplicationFrame> } = {
  hello: fc
    .record({
      minVersion: fc.integer({ min: 1, max: 0xffff }),
      spread: fc.nat(0xffff),
      queueManager: name(48),
      group: name(48),
      fromNode: name(64),
      toNode: name(64),
      authMechanism: fc.integer({ min: 0, max: 0xff }),
      auth: bytes(1024),
    })
    .map(({ minVersion, spread, ...rest }) => ({
      type: LinkMessageType.HELLO,
      minVersion,
      maxVersion: Math.min(0xffff, minVersion + spread),
      ...rest,
    })),
  helloOk: fc.record({
    type: fc.constant(LinkMessageType.HELLO_OK),
    version: fc.integer({ min: 1, max: 0xffff }),
    node: name(64),
    authMechanism: fc.integer({ min: 0, max: 0xff }),
    auth: bytes(1024),
  }),
  helloRefused: fc.record({
    type: fc.constant(LinkMessageType.HELLO_REFUSED),
    reason: fc.constantFrom(...Object.values(RefusalReason)),
    message: fc.string({ unit: 'grapheme', maxLength: 200 }),
  }),
  helloProof: fc.record({
    type: fc.constant(LinkMessageType.HELLO_PROOF),
    proof: bytes(1024),
  }),
  preVote: fc.record({
    type: fc.constant(MessageType.PRE_VOTE),
    ...constants(),
    epoch,
    lastEpoch: epoch,
    endLsn: lsn,
  }),
  preVoteResponse: fc.record({
    type: fc.constant(MessageType.PRE_VOTE_RESPONSE),
    ...constants(),
    epoch,
    granted: fc.boolean(),
  }),
  vote: fc.record({
    type: fc.constant(MessageType.VOTE),
    ...constants(),
    epoch,
    lastEpoch: epoch,
    endLsn: lsn,
    transfer: fc.boolean(),
  }),
  voteResponse: fc.record({
    type: fc.constant(MessageType.VOTE_RESPONSE),
    ...constants(),
    epoch,
    granted: fc.boolean(),
  }),
  timeoutNow: fc.record({ type: fc.constant(MessageType.TIMEOUT_NOW), ...constants(), epoch }),
  append,
  appendResponse: fc.record({
    type: fc.constant(MessageType.APPEND_RESPONSE),
    ...constants(),
    epoch,
    success: fc.boolean(),
    matchLsn: lsn,
    verifiedLsn: lsn,
    endLsn: lsn,
    commitLsn: lsn,
    history: history(),
  }),
  heartbeat: fc.record({
    type: fc.constant(MessageType.HEARTBEAT),
    ...constants(),
    epoch,
    commitLsn: lsn,
  }),
  heartbeatResponse: fc.record({
    type: fc.constant(MessageType.HEARTBEAT_RESPONSE),
    ...constants(),
    epoch,
    matchLsn: lsn,
    verifiedLsn: lsn,
  }),
  checkpointChunk,
  checkpointResponse: fc.record({
    type: fc.constant(MessageType.CHECKPOINT_RESPONSE),
    ...constants(),
    epoch,
    matchLsn: lsn,
  }),
}

/** The envelope every replica frame is decoded with, as record fields. */
function constants(): { from: fc.Arbitrary<string>; to: fc.Arbitrary<string> } {
  return { from: fc.constant(NAMES.from), to: fc.constant(NAMES.to) }
}

const HANDSHAKE_TAGS = ['hello', 'helloOk', 'helloRefused', 'helloProof'] as const
const ALL_TAGS = Object.keys(frameArbitraries) as ReplicationFrameTag[]
const REPLICA_TAGS = ALL_TAGS.filter((tag) => !(HANDSHAKE_TAGS as readonly string[]).includes(tag))
const replicaFrame = fc.oneof(...REPLICA_TAGS.map((tag) => frameArbitraries[tag]))

/** The reading end and binding a frame of `tag` is parsed with. */
function readerFor(tag: ReplicationFrameTag): ReplicationFrameParser {
  if (tag === 'hello' || tag === 'helloProof') return new ReplicationFrameParser({ from: 'dialer' })
  if (tag === 'helloOk' || tag === 'helloRefused') {
    return new ReplicationFrameParser({ from: 'acceptor' })
  }
  return new ReplicationFrameParser({ from: 'dialer', names: NAMES })
}

describe('round trip, one property per frame type', () => {
  test.each(ALL_TAGS)('%s', (tag) => {
    fc.assert(
      fc.property(frameArbitraries[tag], (frame) => {
        const encoded = encodeReplicationFrame(frame)
        const { results, parser } = parsePieces(readerFor(tag), [encoded])
        expect(results).toHaveLength(1)
        const [decoded] = results
        expect(isReplicationFrameError(decoded), String(decoded)).toBe(false)
        expect(comparable(decoded)).toEqual(comparable(frame))
        expect(encodeReplicationFrame(decoded as ReplicationFrame).equals(encoded)).toBe(true)
        const head = encodeReplicationFrameHead(frame)
        expect(Buffer.concat([head, frameTail(frame)]).equals(encoded)).toBe(true)
        expect(parser.bufferedBytes).toBe(0)
      }),
      budget(150),
    )
  })
})

describe('encodeReplicationFrameInto', () => {
  test('writes the same bytes at any offset, touches nothing else, leaves nothing unwritten', () => {
    fc.assert(
      fc.property(replicaFrame, fc.nat(40), fc.nat(40), (frame, before, after) => {
        const expected = encodeReplicationFrame(frame)
        for (const fill of [0x00, 0xff]) {
          const target = Buffer.alloc(before + expected.length + after, fill)
          expect(encodeReplicationFrameInto(target, before, frame)).toBe(before + expected.length)
          expect(target.subarray(before, before + expected.length).equals(expected)).toBe(true)
          const outside = [target.subarray(0, before), target.subarray(before + expected.length)]
          expect(outside.every((part) => part.every((byte) => byte === fill))).toBe(true)
        }
      }),
      budget(200),
    )
  })

  test('returns undefined and writes nothing when the frame does not fit', () => {
    fc.assert(
      fc.property(replicaFrame, fc.nat(40), (frame, before) => {
        const size = encodeReplicationFrame(frame).length
        const target = Buffer.alloc(before + size - 1, 0x5a)
        expect(encodeReplicationFrameInto(target, before, frame)).toBeUndefined()
        expect(target.every((byte) => byte === 0x5a)).toBe(true)
      }),
      budget(100),
    )
  })
})

describe('random splits of random frame sequences', () => {
  test('any cuts give back the same frames', () => {
    fc.assert(
      fc.property(
        fc.array(replicaFrame, { minLength: 1, maxLength: 30 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 30 }),
        (frames, fractions) => {
          const stream = Buffer.concat(frames.map(encodeReplicationFrame))
          const parser = new ReplicationFrameParser({ from: 'acceptor', names: NAMES })
          const { results } = parsePieces(parser, cutAt(stream, fractions))
          expect(comparable(results)).toEqual(comparable(frames))
          expect(parser.bufferedBytes).toBe(0)
        },
      ),
      budget(150),
    )
  })

  test('one byte at a time, never holding more than one frame', () => {
    fc.assert(
      fc.property(fc.array(replicaFrame, { minLength: 1, maxLength: 6 }), (frames) => {
        const encoded = frames.map(encodeReplicationFrame)
        const pieces = Array.from(Buffer.concat(encoded), (byte) => Buffer.from([byte]))
        const parser = new ReplicationFrameParser({ from: 'dialer', names: NAMES })
        const { results, largestBufferedBytes } = parsePieces(parser, pieces)
        expect(comparable(results)).toEqual(comparable(frames))
        expect(largestBufferedBytes).toBeLessThanOrEqual(Math.max(...encoded.map((b) => b.length)))
      }),
      budget(40),
    )
  })
})

// ---- Fuzzing ----

/** Everything the parser returns is a frame or a catalogued fault; a fault is the last result. */
function expectClassified(parser: ReplicationFrameParser, results: readonly unknown[]): void {
  results.forEach((result, index) => {
    if (!isReplicationFrameError(result)) {
      expect(ALL_TAGS).toContain((result as ReplicationFrame).type)
      return
    }
    expect(result).toBeInstanceOf(ReplicationFrameError)
    expect(result.code).toBe(ErrorCode.FRAME_INVALID)
    expect(Object.values(ReplicationFault)).toContain(result.fault)
    expect(result.field).toMatch(/^[A-Z_]+\.|^header\.|^frame$/)
    expect(index).toBe(results.length - 1)
    expect(parser.failure).toBe(result)
    expect(parser.bufferedBytes).toBe(0)
  })
}

/** Runs the parser over the pieces, recording the largest Buffer it allocates. */
function fuzzParse(parser: ReplicationFrameParser, pieces: readonly Buffer[]) {
  let largestAllocation = 0
  const original = Buffer.allocUnsafe.bind(Buffer)
  const spy = vi.spyOn(Buffer, 'allocUnsafe').mockImplementation((size: number) => {
    largestAllocation = Math.max(largestAllocation, size)
    return original(size)
  })
  const run = parsePieces(parser, pieces)
  spy.mockRestore()
  expectClassified(parser, run.results)
  return { ...run, largestAllocation }
}

const fractions = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 })
const linkEnd = fc.constantFrom<LinkEnd>('dialer', 'acceptor')
const HANDSHAKE_FRAME_LIMIT = 16 + Math.max(...HANDSHAKE_TAGS.map((tag) => maxPayloadBytesOf(tag)))

function stamped(code: number, payload: Uint8Array): Buffer {
  const frame = Buffer.alloc(16 + payload.length)
  frame.writeUInt16LE(0x5251, 0)
  frame.writeUInt8(1, 2)
  frame.writeUInt8(code, 3)
  frame.writeUInt32LE(frame.length, 4)
  frame.set(payload, 16)
  frame.writeUInt32LE(crc32cAppend(crc32c(frame, 0, 8), frame, 12, frame.length), 8)
  return frame
}

describe('fuzz: the parser never throws and reports only catalogued faults', () => {
  test('random bytes, randomly split, bound or not', () => {
    fc.assert(
      fc.property(linkEnd, fc.boolean(), bytes(600), fractions, (from, bound, input, cuts) => {
        const parser = new ReplicationFrameParser({ from, names: bound ? NAMES : undefined })
        const { largestAllocation } = fuzzParse(parser, cutAt(Buffer.from(input), cuts))
        if (!bound) expect(largestAllocation).toBeLessThanOrEqual(HANDSHAKE_FRAME_LIMIT)
      }),
      budget(500),
    )
  })

  test('valid headers and checksums over random payloads: accepted frames are canonical', () => {
    // Random payloads, and valid payloads with a few bytes overwritten: the second kind has the
    // right length for fixed-size types, so the decoder's field checks are what gets exercised.
    const mutated = fc.constantFrom(...ALL_TAGS).chain((tag) =>
      fc.tuple(
        fc.constant(tag),
        frameArbitraries[tag].chain((frame) => {
          const payload = encodeReplicationFrame(frame).subarray(16)
          const edits = fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 3 })
          return edits.map((changes) => {
            const copy = Uint8Array.from(payload)
            for (const [at, value] of changes) if (copy.length > 0) copy[at % copy.length] = value
            return copy
          })
        }),
      ),
    )
    const random = fc.tuple(fc.constantFrom(...ALL_TAGS), bytes(200))
    let accepted = 0
    fc.assert(
      fc.property(fc.oneof(random, mutated), fractions, ([tag, payload], cuts) => {
        const frame = stamped(frameCodeOf(tag), payload)
        const { results } = fuzzParse(readerFor(tag), cutAt(frame, cuts))
        expect(results).toHaveLength(1)
        const [result] = results
        // One frame, one byte string: whatever decodes re-encodes to exactly its input.
        if (!isReplicationFrameError(result)) {
          accepted += 1
          expect(encodeReplicationFrame(result!).equals(frame)).toBe(true)
        }
      }),
      budget(1_500),
    )
    // The property says something only if some mutated frames were accepted.
    expect(accepted).toBeGreaterThan(0)
  })

  test('one flipped bit is always caught: the frames before it, then one fault at most', () => {
    fc.assert(
      fc.property(
        fc.array(replicaFrame, { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fractions,
        (frames, flip, cuts) => {
          const encoded = frames.map(encodeReplicationFrame)
          const stream = Buffer.concat(encoded)
          const bit = flip % (stream.length * 8)
          stream[bit >> 3] = stream[bit >> 3]! ^ (1 << (bit & 7))
          const parser = new ReplicationFrameParser({ from: 'dialer', names: NAMES })
          const { results } = fuzzParse(parser, cutAt(stream, cuts))
          let frameStart = 0
          let flipped = 0
          while (frameStart + encoded[flipped]!.length <= bit >> 3)
            frameStart += encoded[flipped++]!.length
          // Frames before the flip arrive intact; the flipped one never does (a flip in its
          // length may leave the parser waiting for bytes that never come, reporting nothing).
          const intact = results.filter((result) => !isReplicationFrameError(result))
          expect(comparable(intact)).toEqual(comparable(frames.slice(0, flipped)))
          expect(results.length - intact.length).toBeLessThanOrEqual(1)
        },
      ),
      budget(400),
    )
  })

  test('hostile length fields are refused at the header and keep nothing', () => {
    const hostile = fc.oneof(
      fc.constant(U32_MAX),
      fc.integer({ min: 8 * 1024 * 1024 + 64 * 1024 + 1, max: U32_MAX }),
      fc.integer({ min: 0, max: 15 }),
    )
    fc.assert(
      fc.property(fc.boolean(), hostile, bytes(64), (bound, length, tail) => {
        const header = stamped(frameCodeOf(MessageType.APPEND), new Uint8Array(0))
        header.writeUInt32LE(length, 4)
        const parser = new ReplicationFrameParser({
          from: 'dialer',
          names: bound ? NAMES : undefined,
        })
        const { results, largestAllocation } = fuzzParse(parser, [header, Buffer.from(tail)])
        expect(results).toHaveLength(1)
        expect((results[0] as ReplicationFrameError).field).toBe('header.length')
        expect(largestAllocation).toBe(0)
        parser.push(Buffer.alloc(1000))
        expect(parser.bufferedBytes).toBe(0)
      }),
      budget(200),
    )
  })
})
