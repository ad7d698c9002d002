/**
 * Goal: a waiting get is woken by a matching put, by a commit that makes messages visible and by
 * a backout that restores gotten ones; it times out with 2033, is aborted by its AbortSignal, and
 * fails with 2016 (GET disabled), 2052 (queue deleted), 2161 (quiesce), 2019 (handle closed).
 * Method: manual timers (time moves only when the test says), settle() to let wake-ups run.
 */
import { describe, expect, it } from 'vitest'
import { Reason } from '../../src/errors.js'
import { RecordType } from '../../src/actors/journal/record-types.js'
import { Persistence } from '../../src/queue/types.js'
import { bytes, createEngine, expectReason, identifier, settle, text } from './helpers.js'

async function setup() {
  const test = createEngine()
  await test.engine.defineQueue({ name: 'Q' })
  const consumer = test.engine.connect()
  const producer = test.engine.connect()
  const getter = consumer.open('Q', { input: true, browse: true })
  const putter = producer.open('Q', { output: true, input: true })
  return { ...test, consumer, producer, getter, putter }
}

describe('get-wait', () => {
  it('is woken by a put', async () => {
    const { getter, putter, timers } = await setup()
    const waiting = getter.get({ waitMs: 10_000 })
    await settle()
    await putter.put(bytes('hello'), { persistence: Persistence.PERSISTENT })
    expect(text((await waiting).body)).toBe('hello')
    expect(timers.size).toBe(0)
  })

  it('is woken only by a matching put', async () => {
    const { getter, putter } = await setup()
    const waiting = getter.get({ waitMs: 10_000, correlId: identifier('MINE') })
    await putter.put(bytes('not mine'), { correlId: identifier('OTHER') })
    await settle()
    await putter.put(bytes('mine'), { correlId: identifier('MINE') })
    expect(text((await waiting).body)).toBe('mine')
  })

  it('is woken by a commit, not by the uncommitted put', async () => {
    const { getter, putter, producer } = await setup()
    let done = false
    const waiting = getter.get({ waitMs: 10_000 }).then((message) => {
      done = true
      return message
    })
    await putter.put(bytes('in uow'), { syncpoint: true, persistence: Persistence.PERSISTENT })
    await settle()
    expect(done).toBe(false)
    await producer.commit()
    expect(text((await waiting).body)).toBe('in uow')
  })

  it('is woken by a backout that restores a gotten message', async () => {
    const { getter, putter, producer } = await setup()
    await putter.put(bytes('again'))
    await putter.get({ syncpoint: true })
    const waiting = getter.get({ waitMs: 10_000 })
    await settle()
    await producer.backout()
    const message = await waiting
    expect(text(message.body)).toBe('again')
    expect(message.descriptor.backoutCount).toBe(1)
  })

  it('wakes the oldest waiter first', async () => {
    const { engine, getter, putter } = await setup()
    const second = engine.connect().open('Q', { input: true })
    const first = getter.get({ waitMs: 10_000 })
    const later = second.get({ waitMs: 10_000 })
    await settle()
    await putter.put(bytes('one'))
    await putter.put(bytes('two'))
    expect(text((await first).body)).toBe('one')
    expect(text((await later).body)).toBe('two')
  })

  it('times out with 2033', async () => {
    const { getter, timers } = await setup()
    const waiting = getter.get({ waitMs: 500 })
    timers.advance(499)
    await settle()
    timers.advance(1)
    await expectReason(waiting, Reason.NO_MSG_AVAILABLE)
  })

  it('waits for a browse next', async () => {
    const { getter, putter } = await setup()
    await putter.put(bytes('seen'))
    expect(text((await getter.get({ browse: 'first' })).body)).toBe('seen')
    const waiting = getter.get({ browse: 'next', waitMs: -1 })
    await settle()
    await putter.put(bytes('new'))
    expect(text((await waiting).body)).toBe('new')
  })

  it("rejects with the signal's reason when aborted", async () => {
    const { getter, timers } = await setup()
    const controller = new AbortController()
    const waiting = getter.get({ waitMs: 10_000, signal: controller.signal })
    await settle()
    controller.abort()
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' })
    expect(timers.size).toBe(0)
    const reason = new Error('client went away')
    const already = new AbortController()
    already.abort(reason)
    await expect(getter.get({ waitMs: 1, signal: already.signal })).rejects.toBe(reason)
  })

  it('fails with 2016 when GET is disabled while waiting', async () => {
    const { engine, getter } = await setup()
    const waiting = getter.get({ waitMs: 10_000 })
    await settle()
    await engine.alterQueue('Q', { getEnabled: false })
    await expectReason(waiting, Reason.GET_INHIBITED)
  })

  it('fails with 2052 when the queue is deleted while waiting', async () => {
    const { engine, journal, getter } = await setup()
    const waiting = getter.get({ waitMs: 10_000 })
    await settle()
    // DELETE QLOCAL refuses open queues (2042), so a delete can only arrive through apply, as
    // on a queue manager following another's log.
    const record = { type: RecordType.QUEUE_DELETE, queueId: 1 } as const
    engine.apply(record, journal.append(record))
    await expectReason(waiting, Reason.Q_DELETED)
    await expectReason(getter.get(), Reason.Q_DELETED)
  })

  it('fails with 2161 on quiesce, and new gets fail at once', async () => {
    const { engine, getter } = await setup()
    const waiting = getter.get({ waitMs: -1 })
    await settle()
    engine.quiesce()
    await expectReason(waiting, Reason.Q_MGR_QUIESCING)
    await expectReason(getter.get({ waitMs: -1 }), Reason.Q_MGR_QUIESCING)
  })

  it('fails with 2019 when its handle is closed, 2018 on a closed connection', async () => {
    const { getter, consumer } = await setup()
    const waiting = getter.get({ waitMs: 10_000 })
    await settle()
    getter.close()
    await expectReason(waiting, Reason.HOBJ_ERROR)
    const other = consumer.open('Q', { input: true })
    const alsoWaiting = other.get({ waitMs: 10_000 })
    await consumer.close()
    await expectReason(alsoWaiting, Reason.HOBJ_ERROR)
    await expectReason(other.get(), Reason.HOBJ_ERROR)
    await expectReason(() => consumer.open('Q', { input: true }), Reason.HCONN_ERROR)
  })

  it('rejects a negative wait interval other than -1 (2090)', async () => {
    const { getter } = await setup()
    await expectReason(getter.get({ waitMs: -5 }), Reason.WAIT_INTERVAL_ERROR)
  })
})
