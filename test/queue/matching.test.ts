/**
 * Goal: get by MsgId and/or CorrelId returns exactly the matching message, NONE identifiers
 * match anything, and a 32-bit hash collision never returns the wrong message.
 * Method: puts with chosen identifiers, gets with match options; for the collision case, two
 * identifiers with the same FNV-1a hash are found by a birthday search and both messages put.
 */
import { describe, expect, it } from 'vitest'
import { Reason } from '../../src/errors.js'
import { hashId, MESSAGE_ID_NONE } from '../../src/queue/message-id.js'
import { Persistence } from '../../src/queue/types.js'
import { bytes, createEngine, expectReason, identifier, text } from './helpers.js'

async function queueWithHandle(persistent: boolean) {
  const test = createEngine()
  await test.engine.defineQueue({ name: 'Q', defaultPersistent: persistent })
  const handle = test.engine.connect().open('Q', { input: true, output: true, browse: true })
  return { ...test, handle }
}

/** Two different 24-byte identifiers with the same 32-bit hash. */
function collidingIdentifiers(): [Uint8Array, Uint8Array] {
  const seen = new Map<number, Uint8Array>()
  for (let counter = 0; ; counter++) {
    const id = identifier(`collide-${counter}`)
    const hash = hashId(id)
    const earlier = seen.get(hash)
    if (earlier !== undefined) return [earlier, id]
    seen.set(hash, id)
  }
}

describe.each([true, false])('matching (persistent %s)', (persistent) => {
  it('gets by MsgId, by CorrelId and by both', async () => {
    const { handle } = await queueWithHandle(persistent)
    await handle.put(bytes('a'), { msgId: identifier('A'), correlId: identifier('X') })
    await handle.put(bytes('b'), { msgId: identifier('B'), correlId: identifier('Y') })
    await handle.put(bytes('c'), { msgId: identifier('C'), correlId: identifier('X') })
    expect(text((await handle.get({ correlId: identifier('Y') })).body)).toBe('b')
    await expectReason(handle.get({ msgId: identifier('A'), correlId: identifier('Y') }), 2033)
    const both = await handle.get({ msgId: identifier('C'), correlId: identifier('X') })
    expect(text(both.body)).toBe('c')
    expect(both.descriptor.msgId).toEqual(identifier('C'))
    expect(text((await handle.get({ msgId: identifier('A') })).body)).toBe('a')
    await expectReason(handle.get({ msgId: identifier('A') }), Reason.NO_MSG_AVAILABLE)
  })

  it('treats MQMI_NONE and MQCI_NONE as "any"', async () => {
    const { handle } = await queueWithHandle(persistent)
    await handle.put(bytes('only'), { correlId: identifier('X') })
    const got = await handle.get({ msgId: MESSAGE_ID_NONE, correlId: MESSAGE_ID_NONE })
    expect(text(got.body)).toBe('only')
  })

  it('matches in delivery order among several matching messages', async () => {
    const { handle } = await queueWithHandle(persistent)
    await handle.put(bytes('low'), { correlId: identifier('X'), priority: 1 })
    await handle.put(bytes('other'), { correlId: identifier('Y'), priority: 9 })
    await handle.put(bytes('high'), { correlId: identifier('X'), priority: 8 })
    expect(text((await handle.get({ correlId: identifier('X') })).body)).toBe('high')
    expect(text((await handle.get({ correlId: identifier('X') })).body)).toBe('low')
  })

  it('confirms a hash match against the full identifier', async () => {
    const { handle } = await queueWithHandle(persistent)
    const [first, second] = collidingIdentifiers()
    expect(hashId(first)).toBe(hashId(second))
    await handle.put(bytes('first'), { msgId: first })
    await handle.put(bytes('second'), { msgId: second })
    expect(text((await handle.get({ msgId: second })).body)).toBe('second')
    expect(text((await handle.get({ msgId: first })).body)).toBe('first')
  })
})

describe('matching details', () => {
  it('generates unique MsgIds shaped like MQ ones when none is given', async () => {
    const { handle } = await queueWithHandle(true)
    const ids = new Set<string>()
    for (let index = 0; index < 100; index++) {
      const put = await handle.put(bytes('x'), {
        msgId: index % 2 === 0 ? undefined : MESSAGE_ID_NONE,
      })
      expect(text(put.msgId.subarray(0, 7))).toBe('AMQ QM1')
      ids.add(Buffer.from(put.msgId).toString('hex'))
    }
    expect(ids.size).toBe(100)
  })

  it('keeps a given MsgId and returns it on get', async () => {
    const { handle } = await queueWithHandle(true)
    const put = await handle.put(bytes('x'), { msgId: identifier('MINE') })
    expect(put.msgId).toEqual(identifier('MINE'))
    expect((await handle.get()).descriptor.msgId).toEqual(identifier('MINE'))
  })

  it('reads a persistent message back from the journal once it left the body cache', async () => {
    const { engine, journal } = createEngine({ bodyCacheBytes: 0 })
    await engine.defineQueue({ name: 'Q' })
    const handle = engine.connect().open('Q', { input: true, output: true })
    await handle.put(bytes('cold'), {
      persistence: Persistence.PERSISTENT,
      correlId: identifier('K'),
    })
    expect(journal.readPutCount).toBe(0)
    expect(text((await handle.get({ correlId: identifier('K') })).body)).toBe('cold')
    expect(journal.readPutCount).toBeGreaterThan(0)
  })

  it('serves a message gotten soon after its put from the body cache', async () => {
    const { engine, journal } = createEngine()
    await engine.defineQueue({ name: 'Q' })
    const handle = engine.connect().open('Q', { input: true, output: true })
    await handle.put(bytes('warm'), { persistence: Persistence.PERSISTENT })
    expect(text((await handle.get()).body)).toBe('warm')
    expect(journal.readPutCount).toBe(0)
  })
})
