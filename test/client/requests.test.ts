/**
 * Goal: each call sends the frame the protocol defines with the fields the caller gave, and its
 * reply (or ERROR, 1:1) becomes the call's result; invalid calls fail locally, unsent, with the
 * MQRC of the field; handles and connections refuse calls once closed (2019, 2018); messages()
 * iterates until 2033 and stops cleanly on break.
 * Method: a fake queue manager recording every frame; intercepts where a reply must be forced.
 */
import { Buffer } from 'node:buffer'
import { describe, expect, it } from 'vitest'
import { CompCode, Reason } from '../../src/errors.js'
import { Persistence } from '../../src/queue/types.js'
import { encodeFrame, GET_WAIT_UNLIMITED_MS, Opcode } from '../../src/wire/client-protocol.js'
import { descriptorFor } from './fake-queue-manager.js'
import { connectTo, expectReason, identifier, startFake, text } from './helpers.js'

async function setup(options: Parameters<typeof startFake>[0] = {}) {
  const fake = await startFake(options)
  const connection = await connectTo(fake)
  const queue = await connection.open('Q1')
  return { fake, connection, queue }
}

describe('requests', () => {
  it('opens for input and output by default, as asked otherwise', async () => {
    const { fake, connection } = await setup()
    const browser = await connection.open('Q1', { browse: true })
    const opens = fake.framesOf(Opcode.OPEN)
    expect(opens.map((open) => open.options)).toEqual([
      { input: true, output: true, browse: false },
      { input: false, output: false, browse: true },
    ])
    expect(browser.name).toBe('Q1')
    await expectReason(connection.open('Q1', {}), Reason.OPTIONS_ERROR)
    await expectReason(connection.open('NOSUCH'), Reason.UNKNOWN_OBJECT_NAME)
  })

  it('encodes a put with every option and returns the descriptor', async () => {
    const { fake, queue } = await setup()
    const descriptor = await queue.put(new Uint8Array([1, 2, 3]), {
      persistence: Persistence.PERSISTENT,
      priority: 7,
      expiry: 600,
      msgId: identifier('MSG'),
      correlId: identifier('CORREL'),
      syncpoint: true,
      format: 'BINARY',
      replyToQueue: 'REPLY.Q',
      replyToQueueManager: 'QM9',
    })
    const [put] = fake.framesOf(Opcode.PUT)
    expect(put?.handle).toBe(1)
    expect(put?.options).toMatchObject({
      persistence: Persistence.PERSISTENT,
      priority: 7,
      expiry: 600,
      msgId: identifier('MSG'),
      correlId: identifier('CORREL'),
      syncpoint: true,
      format: 'BINARY',
      replyToQueue: 'REPLY.Q',
      replyToQueueManager: 'QM9',
    })
    expect([...(put?.body ?? [])]).toEqual([1, 2, 3])
    expect(descriptor.msgId).toEqual(identifier('MSG'))
    expect(descriptor.persistent).toBe(true)
  })

  it('sends a string body as UTF-8 with format MQSTR', async () => {
    const { fake, queue } = await setup()
    await queue.put('héllo')
    const [put] = fake.framesOf(Opcode.PUT)
    expect(text(put?.body ?? new Uint8Array())).toBe('héllo')
    expect(put?.options.format).toBe('MQSTR')
  })

  it('encodes gets: wait, syncpoint, match, browse', async () => {
    const { fake, connection, queue } = await setup()
    await queue.put('first', { correlId: identifier('A') })
    await queue.put('second', { correlId: identifier('B') })
    const browsed = await queue.get({ browse: 'first' })
    const next = await queue.get({ browse: 'next' })
    const matched = await queue.get({ correlId: identifier('B'), syncpoint: true, waitMs: 500 })
    await connection.backout()
    const again = await queue.get({ waitMs: -1 })
    expect([browsed, next, matched, again].map((message) => text(message.body))).toEqual([
      'first',
      'second',
      'second',
      'first',
    ])
    expect(fake.framesOf(Opcode.GET).map((get) => get.options)).toEqual([
      { waitMs: 0, syncpoint: false, browse: 'first', msgId: undefined, correlId: undefined },
      { waitMs: 0, syncpoint: false, browse: 'next', msgId: undefined, correlId: undefined },
      {
        waitMs: 500,
        syncpoint: true,
        browse: undefined,
        msgId: undefined,
        correlId: identifier('B'),
      },
      {
        waitMs: GET_WAIT_UNLIMITED_MS,
        syncpoint: false,
        browse: undefined,
        msgId: undefined,
        correlId: undefined,
      },
    ])
    expect(fake.framesOf(Opcode.BACKOUT)).toHaveLength(1)
  })

  it('commits and backs out units of work', async () => {
    const { fake, connection, queue } = await setup()
    await queue.put('kept', { syncpoint: true })
    expect(fake.depth('Q1')).toBe(0)
    await connection.commit()
    expect(fake.depth('Q1')).toBe(1)
    await queue.put('dropped', { syncpoint: true })
    await connection.backout()
    expect(fake.depth('Q1')).toBe(1)
    const message = await queue.get({ syncpoint: true })
    await connection.backout()
    const redelivered = await queue.get()
    expect(text(message.body)).toBe('kept')
    expect(redelivered.descriptor.backoutCount).toBe(1)
    expect(fake.received.map((frame) => frame.type)).toEqual([
      Opcode.HELLO,
      Opcode.OPEN,
      Opcode.PUT,
      Opcode.COMMIT,
      Opcode.PUT,
      Opcode.BACKOUT,
      Opcode.GET,
      Opcode.BACKOUT,
      Opcode.GET,
    ])
  })

  it('fails 2033 when no message is there', async () => {
    const { queue } = await setup()
    const error = await expectReason(queue.get(), Reason.NO_MSG_AVAILABLE)
    expect(error.compCode).toBe(CompCode.FAILED)
  })

  it('maps server ERROR frames 1:1, warnings included', async () => {
    const { connection, queue } = await setup({
      intercept: (message, peer) => {
        if (message.type === Opcode.PUT) {
          peer.error(message.requestId, Reason.Q_FULL, 'queue Q1 is full')
          return true
        }
        if (message.type === Opcode.COMMIT) {
          peer.error(message.requestId, Reason.BACKED_OUT, 'backed out', CompCode.WARNING)
          return true
        }
        return false
      },
    })
    const full = await expectReason(queue.put('x'), Reason.Q_FULL)
    expect(full.compCode).toBe(CompCode.FAILED)
    expect(full.message).toContain('queue Q1 is full')
    const backedOut = await expectReason(connection.commit(), Reason.BACKED_OUT)
    expect(backedOut.compCode).toBe(CompCode.WARNING)
  })

  it('fails a reply of the wrong type with 2195', async () => {
    const { queue } = await setup({
      intercept: (message, peer) => {
        if (message.type !== Opcode.PUT) return false
        peer.send({ type: Opcode.OK, requestId: message.requestId })
        return true
      },
    })
    await expectReason(queue.put('x'), Reason.UNEXPECTED_ERROR)
  })

  it('fails an unreadable reply with 2195 and carries on', async () => {
    const { connection, queue } = await setup({
      intercept: (message, peer) => {
        if (message.type !== Opcode.PUT) return false
        const bytes = Buffer.from(
          encodeFrame({
            type: Opcode.PUT_OK,
            requestId: message.requestId,
            descriptor: descriptorFor(),
          }),
        )
        // Priority 10 in the descriptor (after header, msgId, correlId, persistent): the frame
        // is skipped whole and the stream stays in step.
        bytes.writeUInt8(10, 12 + 24 + 24 + 1)
        peer.sendRaw(bytes)
        return true
      },
    })
    const error = await expectReason(queue.put('x'), Reason.UNEXPECTED_ERROR)
    expect(error.message).toContain('unreadable reply to PUT')
    const info = await connection.query('Q1')
    expect(info.status.currentDepth).toBe(0)
  })

  it('fails over-long bodies 2031 before sending them', async () => {
    const { fake, queue } = await setup({ maxMessageBytes: 8 })
    await expectReason(queue.put(new Uint8Array(9)), Reason.MSG_TOO_BIG_FOR_Q_MGR)
    await expectReason(queue.put('123456789'), Reason.MSG_TOO_BIG_FOR_Q_MGR)
    await queue.put(new Uint8Array(8))
    expect(fake.framesOf(Opcode.PUT)).toHaveLength(1)
  })

  it('fails invalid fields locally with their MQRC, unsent', async () => {
    const { fake, connection, queue } = await setup()
    await expectReason(queue.put('x', { priority: 12 }), Reason.PRIORITY_ERROR)
    await expectReason(queue.put('x', { msgId: new Uint8Array(3) }), Reason.MSG_ID_ERROR)
    await expectReason(queue.get({ waitMs: -7 }), Reason.WAIT_INTERVAL_ERROR)
    await expectReason(queue.get({ waitMs: 1.5 }), Reason.WAIT_INTERVAL_ERROR)
    await expectReason(connection.open('x'.repeat(49)), Reason.UNKNOWN_OBJECT_NAME)
    expect(fake.framesOf(Opcode.PUT)).toHaveLength(0)
    expect(fake.framesOf(Opcode.GET)).toHaveLength(0)
    expect(fake.framesOf(Opcode.OPEN)).toHaveLength(1)
  })

  it('runs MQSC and queries a queue', async () => {
    const { connection, queue } = await setup()
    await queue.put('one')
    const result = await connection.admin('DEFINE QLOCAL(A)\nBAD COMMAND')
    expect(result).toEqual({
      lines: ['AMQ8000I: DEFINE QLOCAL(A)', 'AMQ8000I: BAD COMMAND'],
      failedCount: 1,
    })
    const info = await connection.query('Q1')
    expect(info.attributes.name).toBe('Q1')
    expect(info.status).toMatchObject({ currentDepth: 1, openInputCount: 1, openOutputCount: 1 })
  })

  it('refuses calls on a closed handle with 2019', async () => {
    const { fake, queue } = await setup()
    await queue.close()
    expect(fake.framesOf(Opcode.CLOSE_HANDLE)).toEqual([expect.objectContaining({ handle: 1 })])
    await expectReason(queue.put('x'), Reason.HOBJ_ERROR)
    await expectReason(queue.get(), Reason.HOBJ_ERROR)
    await expectReason(queue.close(), Reason.HOBJ_ERROR)
  })

  it('refuses calls after close with 2018, and close again resolves', async () => {
    const { fake, connection, queue } = await setup()
    await connection.close()
    expect(await connection.closed).toBeUndefined()
    expect(fake.framesOf(Opcode.GOODBYE)).toEqual([
      expect.objectContaining({ requestId: 0, reason: 0 }),
    ])
    await expectReason(queue.put('x'), Reason.HCONN_ERROR)
    await expectReason(connection.open('Q1'), Reason.HCONN_ERROR)
    await expectReason(connection.commit(), Reason.HCONN_ERROR)
    await connection.close()
  })

  it('close lets replies in flight arrive and cancels waiting gets with 2202', async () => {
    const { fake, connection, queue } = await setup()
    const waiting = queue.get({ waitMs: -1, correlId: identifier('NOTHING') })
    const putting = queue.put('in flight')
    await fake.waitForFrame((frame) => frame.type === Opcode.PUT)
    const closing = connection.close()
    await expect(putting).resolves.toBeDefined()
    await expectReason(waiting, Reason.CONNECTION_QUIESCING)
    await closing
    const types = fake.received.map((frame) => frame.type)
    expect(types.slice(-2)).toEqual([Opcode.CANCEL, Opcode.GOODBYE])
  })

  describe('messages()', () => {
    it('yields until 2033 after the wait', async () => {
      const { queue } = await setup()
      for (const body of ['a', 'b', 'c']) await queue.put(body)
      const bodies: string[] = []
      for await (const message of queue.messages({ waitMs: 0 })) bodies.push(text(message.body))
      expect(bodies).toEqual(['a', 'b', 'c'])
    })

    it('stops cleanly on break, leaving the rest on the queue', async () => {
      const { fake, queue } = await setup()
      for (const body of ['a', 'b', 'c']) await queue.put(body)
      const bodies: string[] = []
      for await (const message of queue.messages({ waitMs: -1 })) {
        bodies.push(text(message.body))
        if (bodies.length === 2) break
      }
      expect(bodies).toEqual(['a', 'b'])
      expect(fake.depth('Q1')).toBe(1)
      expect(fake.framesOf(Opcode.GET)).toHaveLength(2)
      expect(text((await queue.get()).body)).toBe('c')
    })

    it('browses first, then next', async () => {
      const { fake, queue } = await setup()
      for (const body of ['a', 'b']) await queue.put(body)
      const bodies: string[] = []
      for await (const message of queue.messages({ browse: 'first' })) {
        bodies.push(text(message.body))
      }
      expect(bodies).toEqual(['a', 'b'])
      expect(fake.framesOf(Opcode.GET).map((get) => get.options.browse)).toEqual([
        'first',
        'next',
        'next',
      ])
      expect(fake.depth('Q1')).toBe(2)
    })

    it('waits for messages put while it iterates', async () => {
      const { queue, connection } = await setup()
      const producer = await connection.open('Q1', { output: true })
      const received: string[] = []
      const consuming = (async () => {
        for await (const message of queue.messages({ waitMs: -1 })) {
          received.push(text(message.body))
          if (received.length === 3) return
        }
      })()
      for (const body of ['x', 'y', 'z']) await producer.put(body)
      await consuming
      expect(received).toEqual(['x', 'y', 'z'])
    })
  })
})
