/**
 * Goal: the checkpoint codec round-trips every snapshot byte for byte, its layout does not drift
 * (golden file), and any damage is reported as CHECKPOINT_CORRUPT rather than loaded; snapshots
 * hold persistent messages only; oldestLiveLsn names the oldest PUT record still needed.
 * Method: snapshots of engines driven by random puts and gets (fast-check), a fixed snapshot
 * against test/queue/golden/checkpoint-v3.hex (written only with QMQ_UPDATE_GOLDEN=1), the
 * version-1 and version-2 golden files still decoding, single-byte corruption at every offset.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { crc32c } from '../../src/checksum/crc32c.js'
import { ErrorCode, isQmqError } from '../../src/errors.js'
import { DEFAULT_QUEUE_SETTINGS } from '../../src/queue/queue-attributes.js'
import { emptyMessageColumns, type EngineSnapshot } from '../../src/queue/snapshot.js'
import { RecordType, type StoredDescriptor } from '../../src/actors/journal/record-types.js'
import { Persistence } from '../../src/queue/types.js'
import {
  CHECKPOINT_HEADER_BYTES,
  checkpointBytes,
  decodeCheckpoint,
  encodeCheckpoint,
} from '../../src/queue-manager/checkpoint-format.js'
import { bytes, createEngine } from './helpers.js'

const GOLDEN_V1_PATH = new URL('./golden/checkpoint-v1.hex', import.meta.url)
const GOLDEN_V2_PATH = new URL('./golden/checkpoint-v2.hex', import.meta.url)
const GOLDEN_PATH = new URL('./golden/checkpoint-v3.hex', import.meta.url)

/** A fixed snapshot exercising every field: two queues, an available and a locked message. */
export function goldenSnapshot(): EngineSnapshot {
  const messages = emptyMessageColumns(2)
  messages.putLsn.set([128, 256])
  messages.sequence.set([3, 7])
  messages.expiryAtMs.set([0, 1_700_000_100_000])
  messages.uowId.set([0, 200])
  messages.bodyLength.set([5, 1024])
  messages.backoutCount.set([0, 2])
  messages.msgIdHash.set([0x11111111, 0xfedcba98])
  messages.correlIdHash.set([0x22222222, 0x01234567])
  messages.priority.set([4, 9])
  messages.state.set([1, 3])
  return {
    lsn: 4096,
    nextQueueId: 3,
    nextSequence: 10,
    queues: [
      {
        queueId: 1,
        attributes: {
          ...DEFAULT_QUEUE_SETTINGS,
          name: 'APP.IN',
          description: 'in ü',
          defaultPersistent: true,
        },
        messages,
      },
      {
        queueId: 2,
        attributes: {
          ...DEFAULT_QUEUE_SETTINGS,
          name: 'APP.OUT',
          maxDepth: 999_999_999,
          maxMessageLength: 0,
          defaultPriority: 9,
          getEnabled: false,
          deliverySequence: 'FIFO',
        },
        messages: emptyMessageColumns(0),
      },
    ],
  }
}

/** The golden snapshot with what version 2 added: BOTHRESH/BOQNAME, an alias, DEADQ. */
export function goldenSnapshotV2(): EngineSnapshot {
  const base = goldenSnapshot()
  const [first, second] = base.queues
  return {
    ...base,
    nextQueueId: 4,
    queueManager: { deadLetterQueue: 'SYSTEM.DEAD.LETTER.QUEUE', description: 'Grüße' },
    queues: [
      {
        ...first!,
        attributes: { ...first!.attributes, backoutThreshold: 5, backoutRequeueQueue: 'APP.BO' },
      },
      second!,
      {
        queueId: 3,
        attributes: {
          ...DEFAULT_QUEUE_SETTINGS,
          name: 'APP.ALIAS',
          putEnabled: false,
          targetQueue: 'APP.IN',
        },
        messages: emptyMessageColumns(0),
      },
    ],
  }
}

const CLIENT = Uint8Array.from({ length: 16 }, (_, index) => 0xa0 + index)
const DESCRIPTOR: StoredDescriptor = {
  msgId: Uint8Array.from({ length: 24 }, (_, index) => index + 1),
  correlId: new Uint8Array(24),
  persistent: true,
  priority: 4,
  expiry: -1,
  putTimeMs: 1_700_000_000_000,
  backoutCount: 0,
  format: 'MQSTR',
  replyToQueue: 'APP.REPLY',
  replyToQueueManager: '',
}

/** Version 3: the version-2 snapshot with an outcome of every kind, a get with its message. */
export function goldenSnapshotV3(): EngineSnapshot {
  const message = {
    type: RecordType.MESSAGE_PUT,
    queueId: 1,
    uowId: 0,
    descriptor: { ...DESCRIPTOR, priority: 7 },
    body: Uint8Array.from([0x68, 0x69]),
  } as const
  const got = { kind: 'get', queueId: 1, priority: 7, backoutCount: 1, expiryAtMs: 0 } as const
  return {
    ...goldenSnapshotV2(),
    outcomes: [
      {
        request: { client: CLIENT, sequence: 1 },
        outcome: { kind: 'put', lsn: 512, descriptor: DESCRIPTOR },
      },
      {
        request: { client: CLIENT, sequence: 2 },
        outcome: { ...got, lsn: 1024, putLsn: 640 },
        message,
      },
      {
        request: { client: CLIENT, sequence: 3 },
        outcome: { ...got, lsn: 2048, putLsn: 768, expiryAtMs: 1_700_000_100_000 },
      },
      { request: { client: CLIENT, sequence: 4 }, outcome: { kind: 'commit', lsn: 4096 } },
    ],
  }
}

function expectCorrupt(action: () => unknown): void {
  let error: unknown
  try {
    action()
  } catch (caught) {
    error = caught
  }
  expect(isQmqError(error) && error.code === ErrorCode.CHECKPOINT_CORRUPT, String(error)).toBe(true)
}

/** Re-seals a deliberately edited file so only the semantic checks can catch the edit. */
function reseal(file: Uint8Array): Uint8Array {
  new DataView(file.buffer).setUint32(file.length - 4, crc32c(file, 0, file.length - 4), true)
  return file
}

describe('checkpoint codec', () => {
  it('uses the standard CRC32C (check value of "123456789")', () => {
    expect(crc32c(bytes('123456789'))).toBe(0xe3069283)
  })

  it('matches the golden file byte for byte', () => {
    const encoded = encodeCheckpoint(goldenSnapshotV3(), 0x01020304)
    const hex = Buffer.from(encoded).toString('hex')
    if (process.env.QMQ_UPDATE_GOLDEN === '1' || !existsSync(GOLDEN_PATH)) {
      writeFileSync(GOLDEN_PATH, `${hex.replace(/(.{64})/g, '$1\n').trim()}\n`)
    }
    const golden = readFileSync(GOLDEN_PATH, 'utf8').replace(/\s+/g, '')
    expect(hex).toBe(golden)
    expect(Buffer.from(encoded.subarray(0, 8)).toString('latin1')).toBe('QMQCKPT1')
    const view = new DataView(encoded.buffer)
    expect(view.getUint32(8, true)).toBe(3)
    expect(view.getFloat64(24, true)).toBe(4096)
    expect(view.getUint32(48, true)).toBe(0x01020304)
    expect(encoded.length).toBe(checkpointBytes(goldenSnapshotV3()))
    expect(encoded.length % 8).toBe(0)
  })

  it('decodes the golden file back to the snapshot', () => {
    const golden = Buffer.from(readFileSync(GOLDEN_PATH, 'utf8').replace(/\s+/g, ''), 'hex')
    expect(decodeCheckpoint(golden)).toEqual({ ...goldenSnapshotV3(), epoch: 0x01020304 })
  })

  it('still decodes a version-2 file (no outcomes)', () => {
    const golden = Buffer.from(readFileSync(GOLDEN_V2_PATH, 'utf8').replace(/\s+/g, ''), 'hex')
    expect(new DataView(golden.buffer, golden.byteOffset).getUint32(8, true)).toBe(2)
    expect(decodeCheckpoint(golden)).toEqual({ ...goldenSnapshotV2(), epoch: 0x01020304 })
  })

  it('still decodes a version-1 file (BOTHRESH 0, no BOQNAME, aliases or DEADQ)', () => {
    const golden = Buffer.from(readFileSync(GOLDEN_V1_PATH, 'utf8').replace(/\s+/g, ''), 'hex')
    expect(new DataView(golden.buffer, golden.byteOffset).getUint32(8, true)).toBe(1)
    expect(decodeCheckpoint(golden)).toEqual({ ...goldenSnapshot(), epoch: 0x01020304 })
  })

  it('decodes from a Buffer that does not start its ArrayBuffer', () => {
    const encoded = encodeCheckpoint(goldenSnapshot(), 5)
    const shifted = Buffer.concat([Buffer.alloc(3), encoded]).subarray(3)
    expect(shifted.byteOffset).toBeGreaterThan(0)
    expect(decodeCheckpoint(shifted)).toEqual({ ...goldenSnapshot(), epoch: 5 })
  })

  it('round-trips snapshots of engines in any state (property)', async () => {
    const step = fc.record({
      persistent: fc.boolean(),
      priority: fc.integer({ min: 0, max: 9 }),
      syncpoint: fc.boolean(),
      get: fc.boolean(),
      expiry: fc.constantFrom(-1, 1, 600),
    })
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), fc.nat(), async (steps, epoch) => {
        const { engine } = createEngine()
        await engine.defineQueue({ name: 'A', description: 'ünïcode' })
        await engine.defineQueue({ name: 'B', deliverySequence: 'FIFO', putEnabled: false })
        const handle = engine.connect().open('A', { input: true, output: true })
        let sequence = 0
        for (const { persistent, priority, syncpoint, get, expiry } of steps) {
          const persistence = persistent ? Persistence.PERSISTENT : Persistence.NOT_PERSISTENT
          // Outside syncpoint the request is named, so the snapshot holds outcomes too.
          const request = syncpoint ? undefined : { client: CLIENT, sequence: ++sequence }
          const named = request === undefined ? {} : { request }
          if (get) await handle.get({ syncpoint, ...named }).catch(() => undefined)
          else await handle.put(bytes('x'), { persistence, priority, syncpoint, expiry, ...named })
        }
        const snapshot = engine.snapshot()
        const encoded = encodeCheckpoint(snapshot, epoch >>> 0)
        const decoded = decodeCheckpoint(encoded)
        // Outcomes compared by kind and bytes: the engine's MsgIds are Buffers, decoded ones not.
        const { outcomes, ...rest } = decoded
        expect(rest).toEqual({ ...snapshot, outcomes: undefined, epoch: epoch >>> 0 })
        const kinds = (list: typeof outcomes) => (list ?? []).map((entry) => entry.outcome.kind)
        expect(kinds(outcomes)).toEqual(kinds(snapshot.outcomes))
        expect(encodeCheckpoint(decoded, epoch >>> 0)).toEqual(encoded)
      }),
      { numRuns: 100 },
    )
  })

  it('reports damage at any offset as CHECKPOINT_CORRUPT', () => {
    const encoded = encodeCheckpoint(goldenSnapshotV3())
    for (let offset = 0; offset < encoded.length; offset++) {
      const damaged = new Uint8Array(encoded)
      damaged[offset] = damaged[offset]! ^ 0x40
      expectCorrupt(() => decodeCheckpoint(damaged))
    }
    expectCorrupt(() => decodeCheckpoint(encoded.subarray(0, encoded.length - 8)))
    expectCorrupt(() => decodeCheckpoint(new Uint8Array(16)))
  })

  it('rejects well-sealed files whose fields are out of range', () => {
    const encoded = encodeCheckpoint(goldenSnapshotV2())
    // Queue-manager section: 8 + 24 (DEADQ) + 7 (DESCR 'Grüße') padded to 40. First queue
    // section: queueId and count (8), the attribute block (20 + 6 + 5 + 6 = 37) padded to 48,
    // then 2 messages x (4 f64 + 4 u32) = 96 bytes, then two priority bytes, then the states.
    const firstQueueAt = CHECKPOINT_HEADER_BYTES + 40
    const stateOffset = firstQueueAt + 48 + 96 + 2 + 1
    const badState = new Uint8Array(encoded)
    expect(badState[stateOffset]).toBe(3)
    badState[stateOffset] = 9
    expectCorrupt(() => decodeCheckpoint(reseal(badState)))
    const badVersion = new Uint8Array(encoded)
    new DataView(badVersion.buffer).setUint32(8, 4, true)
    expectCorrupt(() => decodeCheckpoint(reseal(badVersion)))
    const badName = new Uint8Array(encoded)
    badName[firstQueueAt + 8 + 20] = 0x20 // a space in the first queue's name
    expectCorrupt(() => decodeCheckpoint(reseal(badName)))
    const badPadding = new Uint8Array(encoded)
    expect(badPadding[firstQueueAt + 8 + 37]).toBe(0) // after the attribute block, before 48
    badPadding[firstQueueAt + 8 + 37] = 1
    expectCorrupt(() => decodeCheckpoint(reseal(badPadding)))
  })

  it('rejects outcome entries out of range (kind, LSN, get fields on a commit)', () => {
    const encoded = encodeCheckpoint(goldenSnapshotV3())
    // The last entry is the commit: 64 bytes, no record, just before the 8-byte trailer.
    const commitAt = encoded.length - 8 - 64
    expect(encoded[commitAt]).toBe(3)
    const badKind = new Uint8Array(encoded)
    badKind[commitAt] = 7
    expectCorrupt(() => decodeCheckpoint(reseal(badKind)))
    const lateLsn = new Uint8Array(encoded)
    new DataView(lateLsn.buffer).setFloat64(commitAt + 32, 4104, true)
    expectCorrupt(() => decodeCheckpoint(reseal(lateLsn)))
    const getField = new Uint8Array(encoded)
    getField[commitAt + 1] = 2
    expectCorrupt(() => decodeCheckpoint(reseal(getField)))
  })
})

describe('snapshots', () => {
  it('hold persistent messages only, with pending units of work', async () => {
    const { engine } = createEngine()
    await engine.defineQueue({ name: 'Q' })
    const connection = engine.connect()
    const handle = connection.open('Q', { input: true, output: true })
    await handle.put(bytes('np'), { persistence: Persistence.NOT_PERSISTENT })
    await handle.put(bytes('p'), { persistence: Persistence.PERSISTENT })
    await handle.put(bytes('pending'), { persistence: Persistence.PERSISTENT, syncpoint: true })
    const [queue] = engine.snapshot().queues
    expect(queue!.messages.count).toBe(2)
    expect([...queue!.messages.state]).toEqual([1, 2])
    expect(queue!.messages.uowId[0]).toBe(0)
    expect(queue!.messages.uowId[1]).toBeGreaterThan(0)
  })

  it('restore is only for an engine that applied nothing', async () => {
    const { engine } = createEngine()
    await engine.defineQueue({ name: 'Q' })
    expect(() => engine.restore(engine.snapshot())).toThrow(/restore/)
  })

  it('oldestLiveLsn names the oldest PUT record still referenced', async () => {
    const { engine, journal } = createEngine()
    expect(engine.oldestLiveLsn()).toBe(Infinity)
    await engine.defineQueue({ name: 'Q', defaultPersistent: true })
    const connection = engine.connect()
    const handle = connection.open('Q', { input: true, output: true })
    await handle.put(bytes('first'))
    const firstLsn = journal.entries.at(-1)!.lsn
    await handle.put(bytes('second'))
    const secondLsn = journal.entries.at(-1)!.lsn
    await handle.put(bytes('np'), { persistence: Persistence.NOT_PERSISTENT })
    expect(engine.oldestLiveLsn()).toBe(firstLsn)
    await handle.get({ syncpoint: true })
    expect(engine.oldestLiveLsn()).toBe(firstLsn) // locked, may come back on backout
    await connection.commit()
    expect(engine.oldestLiveLsn()).toBe(secondLsn)
    await handle.get()
    await handle.get()
    expect(engine.oldestLiveLsn()).toBe(Infinity)
  })
})
