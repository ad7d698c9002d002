/**
 * Goal: when the connection ends under the client (socket dropped, GOODBYE, unreadable frame,
 * heartbeats unanswered) every request in flight fails 2009 with the cause, `closed` settles
 * with the cause, later calls fail 2009; PINGs both ways keep an idle connection alive.
 * Method: a fake queue manager that holds replies, drops its socket, stops answering PINGs or
 * writes garbage; short heartbeat intervals with outcome assertions only (no timing).
 */
import { Buffer } from 'node:buffer'
import { describe, expect, it } from 'vitest'
import { isMQError, Reason } from '../../src/errors.js'
import { Opcode } from '../../src/wire/client-protocol.js'
import type { FakePeer } from './fake-queue-manager.js'
import { connectTo, expectReason, startFake } from './helpers.js'

describe('a broken connection', () => {
  it('fails every request in flight with 2009 when the server drops mid-request', async () => {
    let server: FakePeer | undefined
    const fake = await startFake({
      intercept: (message, peer) => {
        server = peer
        return message.type === Opcode.PUT || message.type === Opcode.COMMIT
      },
    })
    const connection = await connectTo(fake)
    const queue = await connection.open('Q1')
    const calls = [
      queue.put('one'),
      queue.put('two'),
      queue.get({ waitMs: -1 }),
      connection.commit(),
      connection.admin('DISPLAY QMGR'),
    ]
    await fake.waitForFrame((frame) => frame.type === Opcode.COMMIT)
    await fake.waitForFrame((frame) => frame.type === Opcode.ADMIN)
    const answered = calls.pop() as Promise<unknown>
    await answered
    server?.destroy()
    for (const call of calls) {
      const error = await expectReason(call, Reason.CONNECTION_BROKEN)
      expect(isMQError(error.cause) && error.cause.reason).toBe(Reason.CONNECTION_BROKEN)
    }
    const cause = await connection.closed
    expect(cause?.reason).toBe(Reason.CONNECTION_BROKEN)
    await expectReason(queue.put('later'), Reason.CONNECTION_BROKEN)
    await expectReason(connection.open('Q1'), Reason.CONNECTION_BROKEN)
    await connection.close()
    await expectReason(queue.put('after close'), Reason.HCONN_ERROR)
  })

  it('detects a silent queue manager by unanswered heartbeats', async () => {
    const fake = await startFake({ intercept: (message) => message.type === Opcode.PING })
    const connection = await connectTo(fake, { heartbeatMs: 20 })
    const queue = await connection.open('Q1')
    const waiting = queue.get({ waitMs: -1 })
    const cause = await connection.closed
    expect(cause?.reason).toBe(Reason.CONNECTION_BROKEN)
    expect(cause?.message).toContain('heartbeat interval')
    await expectReason(waiting, Reason.CONNECTION_BROKEN)
    expect(fake.framesOf(Opcode.PING).length).toBeGreaterThanOrEqual(1)
    expect(fake.framesOf(Opcode.PING).length).toBeLessThanOrEqual(2)
  })

  // The fake answers in this process, so a PONG needs a few turns of this event loop: with a
  // 10 ms interval a 30 ms scheduling stall on a loaded machine was "silence" and ended the
  // connection (the wait for PINGs then hung). 250 ms makes only a stall of most of a second
  // look like silence; 4 PINGs still span more than the 3 intervals after which an unanswered
  // peer is dead. If the connection ends anyway, fail at once with its cause.
  it('keeps an idle connection whose PINGs are answered', async () => {
    const fake = await startFake()
    const connection = await connectTo(fake, { heartbeatMs: 250 })
    const queue = await connection.open('Q1')
    const ended = connection.closed.then((cause) => {
      throw new Error(`connection ended: ${cause?.message ?? 'closed'}`)
    })
    await Promise.race([fake.waitForFrame(() => fake.framesOf(Opcode.PING).length >= 4), ended])
    ended.catch(() => undefined)
    await queue.put('still here')
    expect(fake.depth('Q1')).toBe(1)
  })

  it('answers the server PING with PONG under the same id', async () => {
    let server: FakePeer | undefined
    const fake = await startFake({
      intercept: (_message, peer) => {
        server = peer
        return false
      },
    })
    await connectTo(fake)
    server?.send({ type: Opcode.PING, requestId: 777 })
    const pong = await fake.waitForFrame((frame) => frame.type === Opcode.PONG)
    expect(pong.requestId).toBe(777)
  })

  it('ends with the GOODBYE reason of a quiescing queue manager', async () => {
    const fake = await startFake()
    const connection = await connectTo(fake)
    const queue = await connection.open('Q1')
    const waiting = queue.get({ waitMs: -1 })
    const putting = queue.put('x', { syncpoint: true })
    await putting
    await fake.waitForFrame((frame) => frame.type === Opcode.GET)
    fake.quiesce()
    await expectReason(waiting, Reason.Q_MGR_QUIESCING)
    const cause = await connection.closed
    expect(cause?.reason).toBe(Reason.Q_MGR_QUIESCING)
    const later = await expectReason(queue.put('y'), Reason.CONNECTION_BROKEN)
    expect(isMQError(later.cause) && later.cause.reason).toBe(Reason.Q_MGR_QUIESCING)
  })

  it('fails in-flight calls 2009 with GOODBYE as the cause', async () => {
    let server: FakePeer | undefined
    const fake = await startFake({
      intercept: (message, peer) => {
        server = peer
        return message.type === Opcode.PUT
      },
    })
    const connection = await connectTo(fake)
    const queue = await connection.open('Q1')
    const putting = queue.put('never answered')
    await fake.waitForFrame((frame) => frame.type === Opcode.PUT)
    server?.send({ type: Opcode.GOODBYE, requestId: 0, reason: Reason.Q_MGR_STOPPING })
    const error = await expectReason(putting, Reason.CONNECTION_BROKEN)
    expect(isMQError(error.cause) && error.cause.reason).toBe(Reason.Q_MGR_STOPPING)
  })

  it('breaks on a frame whose header cannot be trusted', async () => {
    let server: FakePeer | undefined
    const fake = await startFake({
      intercept: (message, peer) => {
        server = peer
        return message.type === Opcode.GET
      },
    })
    const connection = await connectTo(fake)
    const queue = await connection.open('Q1')
    const waiting = queue.get({ waitMs: -1 })
    await fake.waitForFrame((frame) => frame.type === Opcode.GET)
    const garbage = Buffer.alloc(12)
    garbage.writeUInt32LE(3, 0) // a length below the header's own 8 bytes
    server?.sendRaw(garbage)
    const error = await expectReason(waiting, Reason.CONNECTION_BROKEN)
    expect(error.cause).toMatchObject({ cause: { fatal: true } })
    expect((await connection.closed)?.reason).toBe(Reason.CONNECTION_BROKEN)
  })

  it('keeps the ERROR sent before a close as the cause', async () => {
    let server: FakePeer | undefined
    const fake = await startFake({
      intercept: (_message, peer) => {
        server = peer
        return false
      },
    })
    const connection = await connectTo(fake)
    server?.error(0, Reason.UNEXPECTED_ERROR, 'protocol violation')
    server?.socket.end()
    const cause = await connection.closed
    expect(cause?.reason).toBe(Reason.CONNECTION_BROKEN)
    expect(cause?.cause).toMatchObject({ reason: Reason.UNEXPECTED_ERROR })
  })
})
