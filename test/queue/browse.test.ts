/**
 * Goal: browse is non-destructive; 'first' starts over, 'next' continues after the last message
 * browsed in delivery order, also when new messages arrive (those placed before the cursor are
 * not seen by 'next'). Method: a handle opened for browse and input on one queue.
 */
import { describe, expect, it } from 'vitest'
import { Reason } from '../../src/errors.js'
import { Persistence } from '../../src/queue/types.js'
import { bytes, createEngine, expectReason, identifier, text } from './helpers.js'

async function setup(deliverySequence: 'PRIORITY' | 'FIFO' = 'PRIORITY') {
  const test = createEngine()
  await test.engine.defineQueue({ name: 'Q', deliverySequence })
  const connection = test.engine.connect()
  const browser = connection.open('Q', { browse: true, input: true, output: true })
  return { ...test, connection, browser }
}

describe('browse', () => {
  it('walks the queue in delivery order without removing anything', async () => {
    const { engine, browser } = await setup()
    await browser.put(bytes('p1'), { priority: 1 })
    await browser.put(bytes('p5'), { priority: 5, persistence: Persistence.PERSISTENT })
    await browser.put(bytes('p5b'), { priority: 5 })
    const seen = [text((await browser.get({ browse: 'first' })).body)]
    seen.push(text((await browser.get({ browse: 'next' })).body))
    seen.push(text((await browser.get({ browse: 'next' })).body))
    expect(seen).toEqual(['p5', 'p5b', 'p1'])
    await expectReason(browser.get({ browse: 'next' }), Reason.NO_MSG_AVAILABLE)
    expect(engine.queueStatus('Q').currentDepth).toBe(3)
    expect(text((await browser.get({ browse: 'first' })).body)).toBe('p5')
  })

  it("'next' continues after the cursor when new messages arrive", async () => {
    const { browser } = await setup()
    await browser.put(bytes('a5'), { priority: 5 })
    await browser.put(bytes('b5'), { priority: 5 })
    expect(text((await browser.get({ browse: 'first' })).body)).toBe('a5')
    await browser.put(bytes('c9'), { priority: 9 }) // before the cursor: not seen by next
    await browser.put(bytes('d5'), { priority: 5 })
    await browser.put(bytes('e1'), { priority: 1 })
    const rest: string[] = []
    for (let index = 0; index < 3; index++) {
      rest.push(text((await browser.get({ browse: 'next' })).body))
    }
    expect(rest).toEqual(['b5', 'd5', 'e1'])
    expect(text((await browser.get({ browse: 'first' })).body)).toBe('c9')
  })

  it("'next' without a cursor starts at the first message", async () => {
    const { browser } = await setup()
    await browser.put(bytes('only'))
    expect(text((await browser.get({ browse: 'next' })).body)).toBe('only')
  })

  it('follows arrival order on a FIFO queue', async () => {
    const { browser } = await setup('FIFO')
    await browser.put(bytes('first'), { priority: 1 })
    expect(text((await browser.get({ browse: 'first' })).body)).toBe('first')
    await browser.put(bytes('second'), { priority: 9 })
    expect(text((await browser.get({ browse: 'next' })).body)).toBe('second')
  })

  it('skips messages that are locked or uncommitted, and can match by CorrelId', async () => {
    const { engine, browser } = await setup()
    const other = engine.connect().open('Q', { input: true, output: true })
    await other.put(bytes('uncommitted'), { syncpoint: true })
    await browser.put(bytes('locked'))
    await browser.put(bytes('visible'), { correlId: identifier('C') })
    await other.get({ syncpoint: true })
    expect(text((await browser.get({ browse: 'first' })).body)).toBe('visible')
    expect(text((await browser.get({ browse: 'first', correlId: identifier('C') })).body)).toBe(
      'visible',
    )
  })

  it('gives browsers their own copy of the body', async () => {
    const { browser } = await setup()
    await browser.put(bytes('keep'), { persistence: Persistence.PERSISTENT })
    const browsed = await browser.get({ browse: 'first' })
    browsed.body.fill(0)
    expect(text((await browser.get()).body)).toBe('keep')
  })

  it('needs a handle opened for browse (2036) and is never under syncpoint (2046)', async () => {
    const { engine, browser } = await setup()
    const getter = engine.connect().open('Q', { input: true })
    await expectReason(getter.get({ browse: 'first' }), Reason.NOT_OPEN_FOR_BROWSE)
    await expectReason(browser.get({ browse: 'first', syncpoint: true }), Reason.OPTIONS_ERROR)
  })
})
