/**
 * Goal: with `reconnect`, a broken connection is re-established across the connection-name
 * list (MQCNO_RECONNECT): events 2544 then 2545, open queues reopened under new handles, puts
 * and gets in flight outside syncpoint sent again with their request identity, those under
 * syncpoint and a unit of work in progress report 2003, and giving up ends the connection
 * with 2548.
 * Method: fake queue managers that drop their sockets or quiesce; two fakes for a list; a
 * refused-only list with a short timeout to force giving up. Outcomes only.
 */
import { describe, expect, it } from 'vitest'
import { connect } from '../../src/client/index.js'
import { CompCode, MQError, Reason } from '../../src/errors.js'
import { Opcode } from '../../src/wire/client-protocol.js'
import { refusedPort, type FakePeer } from './fake-queue-manager.js'
import { afterTest, connectTo, expectReason, startFake, text } from './helpers.js'

function recorder() {
  const events: MQError[] = []
  const waiters: { reason: number; resolve: () => void }[] = []
  const onEvent = (event: MQError): void => {
    events.push(event)
    for (const waiter of waiters.filter((each) => each.reason === event.reason)) waiter.resolve()
  }
  const next = (reason: number): Promise<void> =>
    events.some((event) => event.reason === reason)
      ? Promise.resolve()
      : new Promise((resolve) => waiters.push({ reason, resolve }))
  return { events, onEvent, next }
}

/** Drops every current connection of the fake, as a crash or a network failure would. */
function dropAll(peers: readonly FakePeer[]): void {
  for (const peer of peers) peer.destroy()
}

describe('reconnect', () => {
  it('re-establishes the connection and reopens queues', async () => {
    const fake = await startFake()
    const events = recorder()
    const connection = await connectTo(fake, {
      reconnect: { timeoutMs: 10_000, onEvent: events.onEvent },
    })
    const queue = await connection.open('Q1')
    await queue.put('before')
    dropAll(fake.peers)
    await events.next(Reason.RECONNECTED)
    expect(events.events.map((event) => [event.reason, event.compCode])).toEqual([
      [Reason.RECONNECTING, CompCode.WARNING],
      [Reason.RECONNECTED, CompCode.WARNING],
    ])
    await queue.put('after')
    const bodies = [await queue.get(), await queue.get()].map((message) => text(message.body))
    expect(bodies).toEqual(['before', 'after'])
    expect(fake.framesOf(Opcode.HELLO)).toHaveLength(2)
    expect(fake.framesOf(Opcode.OPEN)).toHaveLength(2)
  })

  it('sends a put in flight and a waiting GET again, each with its own request identity', async () => {
    let holdPuts = true
    const fake = await startFake({
      intercept: (message) => message.type === Opcode.PUT && holdPuts,
    })
    const events = recorder()
    const connection = await connectTo(fake, {
      reconnect: { timeoutMs: 10_000, onEvent: events.onEvent },
    })
    const queue = await connection.open('Q1')
    const putting = queue.put('outcome unknown')
    const waiting = queue.get({ waitMs: -1 })
    await fake.waitForFrame((frame) => frame.type === Opcode.GET)
    await fake.waitForFrame((frame) => frame.type === Opcode.PUT)
    holdPuts = false
    dropAll(fake.peers)
    await events.next(Reason.RECONNECTED)
    await putting
    expect(text((await waiting).body)).toBe('outcome unknown')
    const puts = fake.framesOf(Opcode.PUT).map((frame) => frame.options.request)
    const gets = fake.framesOf(Opcode.GET).map((frame) => frame.options.request)
    expect(puts).toHaveLength(2)
    expect(gets).toHaveLength(2)
    expect(puts[1]).toEqual(puts[0])
    expect(gets[1]).toEqual(gets[0])
    expect(puts[0]?.client).toEqual(gets[0]?.client)
    expect(puts[0]?.client).toHaveLength(16)
    expect(puts[0]?.sequence).not.toBe(gets[0]?.sequence)
    expect(fake.depth('Q1')).toBe(0)
  })

  it('fails a put under syncpoint in flight 2003: its unit of work died with the connection', async () => {
    const fake = await startFake({ intercept: (message) => message.type === Opcode.PUT })
    const events = recorder()
    const connection = await connectTo(fake, {
      reconnect: { timeoutMs: 10_000, onEvent: events.onEvent },
    })
    const queue = await connection.open('Q1')
    const putting = queue.put('in a unit', { syncpoint: true })
    await fake.waitForFrame((frame) => frame.type === Opcode.PUT)
    expect(fake.framesOf(Opcode.PUT)[0]?.options.request).toBeUndefined()
    dropAll(fake.peers)
    const failed = await expectReason(putting, Reason.BACKED_OUT)
    expect(failed.compCode).toBe(CompCode.FAILED)
    await events.next(Reason.RECONNECTED)
    await expectReason(queue.get({ syncpoint: true }), Reason.BACKED_OUT)
    expect(fake.framesOf(Opcode.PUT)).toHaveLength(1)
  })

  it('sends no request identity when the connection does not reconnect', async () => {
    const fake = await startFake()
    const connection = await connectTo(fake)
    const queue = await connection.open('Q1')
    await queue.put('plain')
    await queue.get()
    expect(fake.framesOf(Opcode.PUT)[0]?.options.request).toBeUndefined()
    expect(fake.framesOf(Opcode.GET)[0]?.options.request).toBeUndefined()
  })

  it('reports 2003 for a unit of work the reconnect backed out', async () => {
    const fake = await startFake()
    const events = recorder()
    const connection = await connectTo(fake, {
      reconnect: { timeoutMs: 10_000, onEvent: events.onEvent },
    })
    const queue = await connection.open('Q1')
    await queue.put('lost', { syncpoint: true })
    dropAll(fake.peers)
    await events.next(Reason.RECONNECTED)
    const failed = await expectReason(queue.put('x', { syncpoint: true }), Reason.BACKED_OUT)
    expect(failed.compCode).toBe(CompCode.FAILED)
    const warning = await expectReason(connection.commit(), Reason.BACKED_OUT)
    expect(warning.compCode).toBe(CompCode.WARNING)
    await queue.put('kept', { syncpoint: true })
    await connection.commit()
    expect(fake.depth('Q1')).toBe(1)
    expect(text((await queue.get()).body)).toBe('kept')
  })

  it('moves to the next address when the first queue manager goes away', async () => {
    const first = await startFake({ name: 'QMA' })
    const second = await startFake({ name: 'QMB' })
    const events = recorder()
    const connection = await connect({
      connName: `${first.connName},${second.connName}`,
      heartbeatMs: 0,
      reconnect: { timeoutMs: 10_000, onEvent: events.onEvent },
    })
    afterTest(() => connection.close())
    const queue = await connection.open('Q1')
    expect(connection.queueManagerName).toBe('QMA')
    await first.close()
    await events.next(Reason.RECONNECTED)
    expect(connection.queueManagerName).toBe('QMB')
    await queue.put('on B')
    expect(second.depth('Q1')).toBe(1)
  })

  it('resends a GET a quiescing queue manager answered 2161', async () => {
    const fake = await startFake()
    const events = recorder()
    const connection = await connectTo(fake, {
      reconnect: { timeoutMs: 10_000, onEvent: events.onEvent },
    })
    const queue = await connection.open('Q1')
    const waiting = queue.get({ waitMs: -1 })
    await fake.waitForFrame((frame) => frame.type === Opcode.GET)
    fake.quiesce()
    await events.next(Reason.RECONNECTED)
    await queue.put('after quiesce')
    expect(text((await waiting).body)).toBe('after quiesce')
  })

  it('gives up with 2548 once the timeout has passed', async () => {
    const fake = await startFake()
    const events = recorder()
    const refused = await refusedPort()
    const connection = await connect({
      connName: `${fake.connName},127.0.0.1(${refused})`,
      heartbeatMs: 0,
      reconnect: { timeoutMs: 200, onEvent: events.onEvent },
    })
    afterTest(() => connection.close())
    const queue = await connection.open('Q1')
    await fake.close()
    await events.next(Reason.RECONNECTING)
    const pending = expectReason(queue.put('waits for the reconnect'), Reason.RECONNECT_FAILED)
    const cause = await connection.closed
    expect(cause?.reason).toBe(Reason.RECONNECT_FAILED)
    await pending
    await expectReason(queue.put('later'), Reason.RECONNECT_FAILED)
    expect(events.events.map((event) => event.reason)).toEqual([
      Reason.RECONNECTING,
      Reason.RECONNECT_FAILED,
    ])
  })

  it('stops reconnecting when closed', async () => {
    const fake = await startFake()
    const events = recorder()
    const connection = await connectTo(fake, {
      reconnect: { timeoutMs: 60_000, onEvent: events.onEvent },
    })
    const queue = await connection.open('Q1')
    await fake.close()
    await events.next(Reason.RECONNECTING)
    const pending = expectReason(queue.put('waits'), Reason.HCONN_ERROR)
    await connection.close()
    await pending
    expect(await connection.closed).toBeUndefined()
    expect(events.events.map((event) => event.reason)).toEqual([Reason.RECONNECTING])
  })
})
