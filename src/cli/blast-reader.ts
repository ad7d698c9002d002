/**
 * amqsblst -R: gets messages (matching -C's CorrelId if given) until the writer's last one,
 * whose body starts with 'B', or after -c messages if -c was given. Each get waits up to 100 s
 * (QMQ_GET_WAIT_MS overrides). With -u the gets are in units of work committed every N messages
 * and at the end marker; with --inflight up to N gets are outstanding. Once the end is reached,
 * gets still waiting are cancelled; a message one of them had already taken is counted (it was
 * consumed) and reported, since only a unit of work could give it back.
 */
import { setMaxListeners } from 'node:events'
import type { QueueManagerConnection, RemoteQueue } from '../client/index.js'
import { BLAST_GET_WAIT_MS } from '../constants.js'
import type { GetOptions } from '../queue/types.js'
import type { BlastOptions } from './blast-options.js'
import type { BlastFailure, BlastMeter } from './blast-report.js'
import { reasonOf } from './client-target.js'
import { RequestWindow } from './request-window.js'
import { sampleWaitMs } from './sample-wait.js'

const END_MARKER = 0x42 // 'B'

interface ReadState {
  ended: boolean
  /** Messages got after the end marker by gets that were already outstanding. */
  extra: number
}

export async function readMessages(
  connection: QueueManagerConnection,
  queue: RemoteQueue,
  options: BlastOptions,
  meter: BlastMeter,
): Promise<{ failure: BlastFailure | null; extra: number }> {
  const stop = new AbortController()
  // Every outstanding get listens on the one signal.
  setMaxListeners(options.inflight + 1, stop.signal)
  const getOptions: GetOptions = {
    waitMs: sampleWaitMs(BLAST_GET_WAIT_MS),
    syncpoint: options.unitOfWork > 0,
    signal: stop.signal,
    ...(options.correlId === undefined ? {} : { correlId: options.correlId }),
  }
  const state: ReadState = { ended: false, extra: 0 }
  const window = new RequestWindow(options.inflight)
  const limit = options.countGiven ? options.count : Number.POSITIVE_INFINITY
  let issued = 0
  const progress = { call: 'MQGET' }
  meter.start()
  try {
    while (!state.ended && issued < limit) {
      await window.submit(() => getOne(queue, getOptions, meter, state, stop))
      issued++
      if (options.unitOfWork > 0 && issued % options.unitOfWork === 0) {
        await commitBatch(connection, window, meter, progress)
      }
    }
    await window.drain()
    if (options.unitOfWork > 0) await commitBatch(connection, window, meter, progress)
    else meter.committedMessages = meter.messages
    return { failure: null, extra: state.extra }
  } catch (error) {
    stop.abort()
    await window.drain().catch(() => undefined)
    const call = window.failed ? 'MQGET' : progress.call
    return { failure: { call, reason: reasonOf(error) }, extra: state.extra }
  } finally {
    meter.stop()
  }
}

async function getOne(
  queue: RemoteQueue,
  options: GetOptions,
  meter: BlastMeter,
  state: ReadState,
  stop: AbortController,
): Promise<void> {
  const sentMs = performance.now()
  let body: Uint8Array
  try {
    body = (await queue.get(options)).body
  } catch (error) {
    // A get cancelled because the end marker arrived is not a failure.
    if (state.ended && stop.signal.aborted) return
    throw error
  }
  meter.record(sentMs, body.length)
  if (state.ended) {
    state.extra++
    return
  }
  if (body[0] === END_MARKER) {
    state.ended = true
    stop.abort()
  }
}

/** Waits for outstanding gets and commits; `progress.call` names the call for reports. */
async function commitBatch(
  connection: QueueManagerConnection,
  window: RequestWindow,
  meter: BlastMeter,
  progress: { call: string },
): Promise<void> {
  await window.drain()
  progress.call = 'MQCMIT'
  await connection.commit()
  progress.call = 'MQGET'
  meter.committedMessages = meter.messages
}
