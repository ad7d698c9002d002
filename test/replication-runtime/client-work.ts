/** Test support: persistent puts and a full drain through the client library. */
import type { QueueManagerConnection } from '../../src/client/index.js'
import { isMQError, Reason } from '../../src/errors.js'
import { Persistence } from '../../src/queue/types.js'

export { connectToGroup } from '../../src/replication-group/member-group.js'

export const QUEUE = 'APP.Q'

/**
 * Puts `count` persistent messages `${prefix}-${i}` one after another; returns the bodies whose
 * put was acknowledged. Stops at the first failure (the connection broke) when `stopOnError`.
 */
export async function putSequence(
  connection: QueueManagerConnection,
  prefix: string,
  count: number,
  onAck?: (index: number) => void,
): Promise<{ acked: string[]; failure: unknown }> {
  const acked: string[] = []
  try {
    const queue = await connection.open(QUEUE, { output: true })
    for (let index = 0; index < count; index++) {
      const body = `${prefix}-${index}`
      await queue.put(body, { persistence: Persistence.PERSISTENT })
      acked.push(body)
      onAck?.(index)
    }
    return { acked, failure: undefined }
  } catch (error) {
    return { acked, failure: error }
  }
}

/** Gets every message on the queue; returns their bodies in order. */
export async function drain(connection: QueueManagerConnection): Promise<string[]> {
  const queue = await connection.open(QUEUE, { input: true })
  const bodies: string[] = []
  for (;;) {
    try {
      const message = await queue.get({ waitMs: 0 })
      bodies.push(new TextDecoder().decode(message.body))
    } catch (error) {
      if (isMQError(error) && error.reason === Reason.NO_MSG_AVAILABLE) return bodies
      throw error
    }
  }
}

/** Browses every message (leaves them on the queue). */
export async function browseAll(connection: QueueManagerConnection): Promise<string[]> {
  const queue = await connection.open(QUEUE, { browse: true })
  const bodies: string[] = []
  for (let first = true; ; first = false) {
    try {
      const message = await queue.get({ waitMs: 0, browse: first ? 'first' : 'next' })
      bodies.push(new TextDecoder().decode(message.body))
    } catch (error) {
      if (isMQError(error) && error.reason === Reason.NO_MSG_AVAILABLE) return bodies
      throw error
    }
  }
}

export function countOf(bodies: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const body of bodies) counts.set(body, (counts.get(body) ?? 0) + 1)
  return counts
}
