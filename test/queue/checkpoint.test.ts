/**
 * Goal: the checkpoint codec round-trips every snapshot byte for byte, its layout does not drift
 * (golden file), and any damage is reported as CHECKPOINT_CORRUPT rather than loaded; snapshots
 * hold persistent messages only; oldestLiveLsn names the oldest PUT record still needed.
 * Method: snapshots of engines driven by random puts and gets (fast-check), a fixed snapshot
 * against test/queue/golden/checkpoint-v2.hex (written only with QMQ_UPDATE_GOLDEN=1), the
 * version-1 golden file still decoding, single-byte corruption at every offset.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { crc32c } from '../../src/checksum/crc32c.js'
import { ErrorCode, isQmqError } from '../../src/errors.js'
import { DEFAULT_QUEUE_SETTINGS } from '../../src/queue/queue-attributes.js'
import { emptyMessageColumns, type EngineSnapshot } from '../../src/queue/snapshot.js'
import { Persistence } from '../../src/queue/types.js'
import {
  CHECKPOINT_HEADER_BYTES,
  checkpointBytes,
  decodeCheckpoint,
  encodeCheckpoint,
} from '../../src/queue-manager/checkpoint-format.js'
import { bytes, createEngine } from './helpers.js'

const GOLDEN_V1_PATH = new URL('./golden/checkpoint-v1.hex', import.meta.url)
const GOLDEN_PATH = new URL('./golden/checkpoint-v2.hex', import.meta.url)

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
    const encoded = encodeCheckpoint(goldenSnapshotV2(), 0x01020304)
    const hex = Buffer.from(encoded).toString('hex')
    if (process.env.QMQ_UPDATE_GOLDEN === '1' || !existsSync(GOLDEN_PATH)) {
      writeFileSync(GOLDEN_PATH, `${hex.replace(/(.{64})/g, '$1\n').trim()}\n`)
    }
    const golden = readFileSync(GOLDEN_PATH, 'utf8').replace(/\s+/g, '')
    expect(hex).toBe(golden)
    expect(Buffer.from(encoded.subarray(0, 8)).toString('latin1')).toBe('QMQCKPT1')
    const view = new DataView(encoded.buffer)
    expect(view.getUint32(8, true)).toBe(2)
    expect(view.getFloat64(24, true)).toBe(4096)
    expect(view.getUint32(48, true)).toBe(0x01020304)
    expect(encoded.length).toBe(checkpointBytes(goldenSnapshotV2()))
    expect(encoded.length % 8).toBe(0)
  })

  it('decodes the golden file back to the snapshot', () => {
    const golden = Buffer.from(readFileSync(GOLDEN_PATH, 'utf8').replace(/\s+/g, ''), 'hex')
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
        for (const { persistent, priority, syncpoint, get, expiry } of steps) {
          const persistence = persistent ? Persistence.PERSISTENT : Persistence.NOT_PERSISTENT
          if (get) await handle.get({ syncpoint }).catch(() => undefined)
          else await handle.put(bytes('x'), { persistence, priority, syncpoint, expiry })
        }
        const snapshot = engine.snapshot()
        const encoded = encodeCheckpoint(snapshot, epoch >>> 0)
        expect(decodeCheckpoint(encoded)).toEqual({ ...snapshot, epoch: epoch >>> 0 })
        expect(encodeCheckpoint(decodeCheckpoint(encoded), epoch >>> 0)).toEqual(encoded)
      }),
      { numRuns: 100 },
    )
  })

  it('reports damage at any offset as CHECKPOINT_CORRUPT', () => {
    const encoded = encodeCheckpoint(goldenSnapshotV2())
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
    new DataView(badVersion.buffer).setUint32(8, 3, true)
    expectCorrupt(() => decodeCheckpoint(reseal(badVersion)))
    const badName = new Uint8Array(encoded)
    badName[firstQueueAt + 8 + 20] = 0x20 // a space in the first queue's name
    expectCorrupt(() => decodeCheckpoint(reseal(badName)))
    const badPadding = new Uint8Array(encoded)
    expect(badPadding[firstQueueAt + 8 + 37]).toBe(0) // after the attribute block, before 48
    badPadding[firstQueueAt + 8 + 37] = 1
    expectCorrupt(() => decodeCheckpoint(reseal(badPadding)))
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
