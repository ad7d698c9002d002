/**
 * amqsblst -W: puts `count` messages whose bodies start `blast message 000000001` (the last one
 * `Blast message ...`, the reader's end marker), padded with '.' to their size. With -u the puts
 * are in units of work committed every N messages and at the end; with --inflight up to N puts
 * are outstanding at once; with --rate puts are spaced to that many per second.
 */
import type { QueueManagerConnection, RemoteQueue } from '../client/index.js'
import type { PutOptions } from '../queue/types.js'
import { messageSize, type BlastOptions } from './blast-options.js'
import type { BlastFailure, BlastMeter } from './blast-report.js'
import { reasonOf } from './client-target.js'
import { RequestWindow } from './request-window.js'

const BODY_PAD = 0x2e // '.'

export function blastBody(index: number, count: number, size: number): Buffer {
  const body = Buffer.alloc(size, BODY_PAD)
  const last = index === count - 1
  const text = `${last ? 'B' : 'b'}last message ${String(index + 1).padStart(9, '0')}`
  body.write(text.slice(0, size), 0, 'latin1')
  return body
}

/** Puts the messages; returns the failure that stopped it, or null. */
export async function writeMessages(
  connection: QueueManagerConnection,
  queue: RemoteQueue,
  options: BlastOptions,
  meter: BlastMeter,
): Promise<BlastFailure | null> {
  const putOptions: PutOptions = {
    persistence: options.persistence,
    syncpoint: options.unitOfWork > 0,
    format: 'MQSTR',
    ...(options.correlId === undefined ? {} : { correlId: options.correlId }),
  }
  const window = new RequestWindow(options.inflight)
  let call = 'MQPUT'
  meter.start()
  try {
    for (let index = 0; index < options.count; index++) {
      await paceTo(options.rate, meter, index)
      const body = blastBody(index, options.count, messageSize(options, index))
      await window.submit(async () => {
        const sentMs = performance.now()
        await queue.put(body, putOptions)
        meter.record(sentMs, body.length)
      })
      const batchEnd = options.unitOfWork > 0 && (index + 1) % options.unitOfWork === 0
      if (batchEnd || (options.unitOfWork > 0 && index === options.count - 1)) {
        await window.drain()
        call = 'MQCMIT'
        await connection.commit()
        call = 'MQPUT'
        meter.committedMessages = meter.messages
      }
    }
    await window.drain()
    if (options.unitOfWork === 0) meter.committedMessages = meter.messages
    return null
  } catch (error) {
    await window.drain().catch(() => undefined)
    return { call: window.failed ? 'MQPUT' : call, reason: reasonOf(error) }
  } finally {
    meter.stop()
  }
}

/** With --rate, waits until message `index` is due. */
export async function paceTo(rate: number, meter: BlastMeter, index: number): Promise<void> {
  if (rate === 0) return
  const dueMs = meter.startedAtMs + (index * 1000) / rate
  const waitMs = dueMs - performance.now()
  if (waitMs > 1) await new Promise((resolve) => setTimeout(resolve, waitMs))
}
