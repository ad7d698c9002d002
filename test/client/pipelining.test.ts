/**
 * Goal: any number of requests run at once on one connection: each gets its own request id,
 * replies are matched by id whatever their order, and the frames of one event-loop turn leave
 * in one socket write. A waiting GET holds up nothing behind it.
 * Method: a fake queue manager that holds every PUT_OK until all 1,000 PUTs are in, then answers
 * in a shuffled order (fast-check's seeded shuffle) with each body echoed in its msgId; a spy on
 * net.Socket.prototype.write counting the client socket's writes.
 */
import { Buffer } from 'node:buffer'
import { Socket } from 'node:net'
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { CLIENT_SEND_WINDOW } from '../../src/constants.js'
import { Opcode, type PutFrame } from '../../src/wire/client-protocol.js'
import { descriptorFor, type FakePeer } from './fake-queue-manager.js'
import { connectTo, startFake, text } from './helpers.js'

const PUT_COUNT = 1_000

/** The msgId a reply carries for a body: the body's bytes, zero padded to 24. */
function echoId(body: Uint8Array): Uint8Array {
  const id = new Uint8Array(24)
  id.set(body.subarray(0, 24))
  return id
}

describe('pipelining', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('matches 1,000 replies that come back out of order, never over the send window', async () => {
    const held: { peer: FakePeer; put: PutFrame }[] = []
    let answered = 0
    let mostOnTheWire = 0
    const fake = await startFake({
      intercept: (message, peer) => {
        if (message.type !== Opcode.PUT) return false
        held.push({ peer, put: message })
        mostOnTheWire = Math.max(mostOnTheWire, held.length)
        // The client stops at its window; answer what came, in a seeded shuffled order.
        if (held.length < Math.min(CLIENT_SEND_WINDOW, PUT_COUNT - answered)) return true
        const order = fc.sample(fc.shuffledSubarray([...held.keys()], { minLength: held.length }), {
          numRuns: 1,
          seed: 42 + answered,
        })[0] as number[]
        expect(order).not.toEqual([...held.keys()])
        for (const index of order) {
          const { peer: heldPeer, put } = held[index] as (typeof held)[number]
          const descriptor = descriptorFor({ msgId: echoId(put.body) })
          heldPeer.send({ type: Opcode.PUT_OK, requestId: put.requestId, descriptor })
        }
        answered += held.length
        held.length = 0
        return true
      },
    })
    const connection = await connectTo(fake)
    const queue = await connection.open('Q1')
    const puts = Array.from({ length: PUT_COUNT }, (_, index) => queue.put(`message ${index}`))
    const descriptors = await Promise.all(puts)
    descriptors.forEach((descriptor, index) => {
      expect(text(descriptor.msgId).replace(/\0+$/, '')).toBe(`message ${index}`)
    })
    expect(mostOnTheWire).toBe(CLIENT_SEND_WINDOW)
    const ids = fake.framesOf(Opcode.PUT).map((put) => put.requestId)
    expect(new Set(ids).size).toBe(PUT_COUNT)
    expect(ids).not.toContain(0)
  })

  it('writes the frames of one turn with one socket write', async () => {
    const fake = await startFake()
    const connection = await connectTo(fake)
    const queue = await connection.open('Q1')
    const write = vi.spyOn(Socket.prototype, 'write')
    const puts = Array.from({ length: 50 }, (_, index) => queue.put(Buffer.from([index])))
    await Promise.all(puts)
    const clientWrites = write.mock.contexts.filter(
      (socket) => (socket as Socket).remotePort === fake.port,
    )
    expect(clientWrites).toHaveLength(1)
    expect(fake.framesOf(Opcode.PUT)).toHaveLength(50)
  })

  it('lets requests pass a GET that is waiting', async () => {
    const fake = await startFake()
    const connection = await connectTo(fake)
    const consumer = await connection.open('Q1', { input: true })
    const producer = await connection.open('Q1', { output: true })
    const waiting = consumer.get({ waitMs: -1 })
    const info = await connection.query('Q1')
    expect(info.status.currentDepth).toBe(0)
    await producer.put('wake up')
    expect(text((await waiting).body)).toBe('wake up')
  })
})
