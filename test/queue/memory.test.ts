/**
 * Goal: queue depth is bounded by disk, not heap: a queued persistent message costs the engine
 * well under 200 bytes (target) and certainly under 400 (asserted), whatever its body size.
 * Method: a journal that keeps nothing (readPut rebuilds records from a template outside the
 * engine, so bodies are not counted) and a small body cache; heapUsed + arrayBuffers is measured
 * after a forced GC before and after N puts of 1 KiB (N = QMQ_MEMORY_MESSAGES, default
 * 200,000). The figure is printed; a few gets at the end check the messages are really there.
 */
import { runInNewContext } from 'node:vm'
import { setFlagsFromString } from 'node:v8'
import { describe, expect, it } from 'vitest'
import type { JournalRecord, MessagePutRecord } from '../../src/actors/journal/record-types.js'
import { RecordType } from '../../src/actors/journal/record-types.js'
import { QueueEngine } from '../../src/queue/engine.js'
import type { JournalPort } from '../../src/queue/journal-port.js'
import { Persistence } from '../../src/queue/types.js'

const MESSAGE_COUNT = Number(process.env['QMQ_MEMORY_MESSAGES'] ?? 200_000)
const BODY_BYTES = 1024
const PUT_STRIDE_BYTES = 1152
const CACHE_BYTES = 1024 * 1024

/** Appends are counted, not kept; readPut serves a rebuilt record from the template. */
class DiscardingJournal implements JournalPort {
  private nextLsn = 0
  private readonly template = new Uint8Array(BODY_BYTES).fill(0x2a)

  append(record: JournalRecord): number {
    const lsn = this.nextLsn
    this.nextLsn += record.type === RecordType.MESSAGE_PUT ? PUT_STRIDE_BYTES : 64
    return lsn
  }

  waitDurable(): Promise<void> {
    return Promise.resolve()
  }

  readPut(): MessagePutRecord {
    return {
      type: RecordType.MESSAGE_PUT,
      queueId: 1,
      uowId: 0,
      body: this.template,
      descriptor: {
        msgId: new Uint8Array(24),
        correlId: new Uint8Array(24),
        persistent: true,
        priority: 0,
        expiry: -1,
        putTimeMs: 0,
        backoutCount: 0,
        format: '',
        replyToQueue: '',
        replyToQueueManager: '',
      },
    }
  }
}

function forcedGc(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc')
    return runInNewContext('gc') as () => void
  } catch {
    return undefined
  }
}

function measuredBytes(gc: (() => void) | undefined): number {
  gc?.()
  gc?.()
  const usage = process.memoryUsage()
  return usage.heapUsed + usage.arrayBuffers
}

describe('memory', () => {
  it(`holds ${MESSAGE_COUNT} queued persistent 1 KiB messages in little heap`, async () => {
    const gc = forcedGc()
    const engine = new QueueEngine({
      journal: new DiscardingJournal(),
      bodyCacheBytes: CACHE_BYTES,
    })
    await engine.defineQueue({ name: 'DEEP', maxDepth: 999_999_999, defaultPersistent: true })
    const handle = engine.connect().open('DEEP', { input: true, output: true })
    const body = new Uint8Array(BODY_BYTES).fill(1)
    await handle.put(body, { persistence: Persistence.PERSISTENT })
    await handle.get()
    const before = measuredBytes(gc)
    for (let index = 0; index < MESSAGE_COUNT; index++) {
      await handle.put(body, { persistence: Persistence.PERSISTENT })
    }
    const after = measuredBytes(gc)
    const perMessage = (after - before) / MESSAGE_COUNT
    console.log(
      `queue engine memory: ${perMessage.toFixed(1)} bytes per queued persistent message ` +
        `(${MESSAGE_COUNT} messages, body cache ${CACHE_BYTES} bytes included, ` +
        `gc ${gc === undefined ? 'not exposed: figure is noisy' : 'forced'})`,
    )
    expect(engine.queueStatus('DEEP').currentDepth).toBe(MESSAGE_COUNT)
    if (gc !== undefined) expect(perMessage).toBeLessThan(400)
    for (let index = 0; index < 3; index++) {
      expect((await handle.get()).body.length).toBe(BODY_BYTES)
    }
  })
})
