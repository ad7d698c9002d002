/**
 * Goal: expired messages are never delivered (get or browse) and are removed when met, with no
 * journal record; a delivered message shows the expiry still to run, in tenths; replay with a
 * later clock treats the same messages as expired. Method: the injected clock, moved by hand.
 */
import { describe, expect, it } from 'vitest'
import { Reason } from '../../src/errors.js'
import { Persistence } from '../../src/queue/types.js'
import { bytes, createEngine, expectReason, replayed, text } from './helpers.js'

async function setup() {
  const test = createEngine()
  await test.engine.defineQueue({ name: 'Q' })
  const handle = test.engine.connect().open('Q', { input: true, output: true, browse: true })
  return { ...test, handle }
}

describe.each([Persistence.PERSISTENT, Persistence.NOT_PERSISTENT])(
  'expiry (%i)',
  (persistence) => {
    it('returns the remaining expiry in tenths of a second', async () => {
      const { handle, clock } = await setup()
      const put = await handle.put(bytes('x'), { persistence, expiry: 50 })
      expect(put.expiry).toBe(50)
      clock.advance(1_234)
      expect((await handle.get({ browse: 'first' })).descriptor.expiry).toBe(38)
      expect((await handle.get()).descriptor.expiry).toBe(38)
    })

    it('never delivers an expired message and removes it when met', async () => {
      const { engine, journal, handle, clock } = await setup()
      await handle.put(bytes('short'), { persistence, expiry: 10 })
      await handle.put(bytes('long'), { persistence, expiry: 1_000 })
      await handle.put(bytes('forever'), { persistence })
      clock.advance(1_000)
      expect(engine.queueStatus('Q').currentDepth).toBe(3)
      const records = journal.entries.length
      expect(text((await handle.get({ browse: 'first' })).body)).toBe('long')
      expect(engine.queueStatus('Q').currentDepth).toBe(2)
      clock.advance(99_000)
      expect(text((await handle.get()).body)).toBe('forever')
      await expectReason(handle.get(), Reason.NO_MSG_AVAILABLE)
      expect(engine.queueStatus('Q').currentDepth).toBe(0)
      const gets = journal.entries.length - records
      expect(gets).toBe(persistence === Persistence.PERSISTENT ? 1 : 0)
    })
  },
)

describe('expiry and replay', () => {
  it('replay with a later clock meets the same messages expired', async () => {
    const { journal, handle } = await setup()
    await handle.put(bytes('brief'), { persistence: Persistence.PERSISTENT, expiry: 5 })
    await handle.put(bytes('lasting'), { persistence: Persistence.PERSISTENT })
    const recovered = replayed(journal.entries)
    recovered.clock.advance(60_000)
    const again = recovered.engine.connect().open('Q', { input: true })
    expect(recovered.engine.queueStatus('Q').currentDepth).toBe(2)
    expect(text((await again.get()).body)).toBe('lasting')
    expect(recovered.engine.queueStatus('Q').currentDepth).toBe(0)
  })

  it('a message gotten live before it expired is gotten in replay too', async () => {
    const { journal, handle, clock } = await setup()
    await handle.put(bytes('caught'), { persistence: Persistence.PERSISTENT, expiry: 5 })
    clock.advance(100)
    expect(text((await handle.get()).body)).toBe('caught')
    const recovered = replayed(journal.entries)
    recovered.clock.advance(60_000)
    expect(recovered.engine.queueStatus('Q').currentDepth).toBe(0)
  })
})
