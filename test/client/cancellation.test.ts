/**
 * Goal: aborting a get's AbortSignal sends CANCEL naming that GET's request id, rejects with the
 * signal's reason, leaves nothing in flight, and the connection carries on; a message the queue
 * manager had already taken when the CANCEL arrived is delivered, not lost.
 * Method: a fake queue manager; waiting for the GET frame before aborting; an intercept that
 * answers a CANCEL with the message first, as a racing server would.
 */
import { describe, expect, it } from 'vitest'
import { Opcode } from '../../src/wire/client-protocol.js'
import { descriptorFor } from './fake-queue-manager.js'
import { connectTo, startFake, text } from './helpers.js'

async function setup(options: Parameters<typeof startFake>[0] = {}) {
  const fake = await startFake(options)
  const connection = await connectTo(fake)
  const queue = await connection.open('Q1')
  return { fake, connection, queue }
}

describe('get with an AbortSignal', () => {
  it('sends CANCEL for the GET, rejects with AbortError, and a later get works', async () => {
    const { fake, connection, queue } = await setup()
    const controller = new AbortController()
    const waiting = queue.get({ waitMs: -1, signal: controller.signal })
    const get = await fake.waitForFrame((frame) => frame.type === Opcode.GET)
    controller.abort()
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' })
    const cancel = await fake.waitForFrame((frame) => frame.type === Opcode.CANCEL)
    expect(cancel).toMatchObject({ targetRequestId: get.requestId })
    expect(cancel.requestId).not.toBe(get.requestId)
    await queue.put('after')
    expect(text((await queue.get({ waitMs: 1_000 })).body)).toBe('after')
    await connection.close() // drains: would wait if a request had been left in flight
    expect(await connection.closed).toBeUndefined()
  })

  it('rejects with the reason given to abort()', async () => {
    const { fake, queue } = await setup()
    const controller = new AbortController()
    const waiting = queue.get({ waitMs: 60_000, signal: controller.signal })
    await fake.waitForFrame((frame) => frame.type === Opcode.GET)
    controller.abort('shutting down')
    await expect(waiting).rejects.toBe('shutting down')
  })

  it('sends nothing for a signal aborted before the call', async () => {
    const { fake, queue } = await setup()
    const reason = new Error('already')
    await expect(queue.get({ waitMs: -1, signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    expect(fake.framesOf(Opcode.GET)).toHaveLength(0)
  })

  it('delivers a message the queue manager took before the CANCEL arrived', async () => {
    const { queue } = await setup({
      intercept: (message, peer) => {
        if (message.type === Opcode.GET) return true // waits forever, unless cancelled
        if (message.type !== Opcode.CANCEL) return false
        const body = new TextEncoder().encode('raced')
        const descriptor = descriptorFor()
        peer.send({ type: Opcode.MESSAGE, requestId: message.targetRequestId, descriptor, body })
        peer.send({ type: Opcode.OK, requestId: message.requestId })
        return true
      },
    })
    const controller = new AbortController()
    const waiting = queue.get({ waitMs: -1, signal: controller.signal })
    await new Promise((resolve) => setImmediate(resolve))
    controller.abort()
    expect(text((await waiting).body)).toBe('raced')
  })

  it('is a no-op once the get has been answered', async () => {
    const { fake, queue } = await setup()
    await queue.put('quick')
    const controller = new AbortController()
    const message = await queue.get({ signal: controller.signal })
    controller.abort()
    expect(text(message.body)).toBe('quick')
    expect(fake.framesOf(Opcode.CANCEL)).toHaveLength(0)
  })

  it('ends messages() with the abort reason', async () => {
    const { fake, queue } = await setup()
    await queue.put('one')
    const controller = new AbortController()
    const bodies: string[] = []
    const iterating = (async () => {
      for await (const message of queue.messages({ waitMs: -1, signal: controller.signal })) {
        bodies.push(text(message.body))
      }
    })()
    await fake.waitForFrame(
      (frame) => frame.type === Opcode.GET && fake.framesOf(Opcode.GET).length === 2,
    )
    controller.abort()
    await expect(iterating).rejects.toMatchObject({ name: 'AbortError' })
    expect(bodies).toEqual(['one'])
  })
})
