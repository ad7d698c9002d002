/**
 * Goal: the client's heartbeat sends PING only after silence, is reset by anything heard, and
 * declares the queue manager dead after two unanswered PINGs, once.
 * Method: the Heartbeat class on its own with vitest's fake timers and an injected clock.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Heartbeat } from '../../src/client/heartbeat.js'

describe('Heartbeat', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  function setup() {
    const events: string[] = []
    const heartbeat = new Heartbeat(
      100,
      {
        sendPing: () => events.push('ping'),
        declareDead: (missed) => events.push(`dead after ${missed}`),
      },
      2,
      () => Date.now(),
    )
    heartbeat.start()
    return { events, heartbeat }
  }

  it('pings after silence and declares death after two missed', () => {
    const { events } = setup()
    vi.advanceTimersByTime(99)
    expect(events).toEqual([])
    vi.advanceTimersByTime(1)
    expect(events).toEqual(['ping'])
    vi.advanceTimersByTime(100)
    expect(events).toEqual(['ping', 'ping'])
    vi.advanceTimersByTime(100)
    expect(events).toEqual(['ping', 'ping', 'dead after 2'])
    vi.advanceTimersByTime(1_000)
    expect(events).toHaveLength(3)
  })

  it('stays quiet while frames arrive and resets the count on a reply', () => {
    const { events, heartbeat } = setup()
    for (let tick = 0; tick < 10; tick += 1) {
      vi.advanceTimersByTime(50)
      heartbeat.heard()
    }
    expect(events).toEqual([])
    vi.advanceTimersByTime(200)
    expect(events).toEqual(['ping', 'ping'])
    heartbeat.heard()
    vi.advanceTimersByTime(250)
    expect(events).toEqual(['ping', 'ping', 'ping', 'ping'])
    heartbeat.stop()
    vi.advanceTimersByTime(1_000)
    expect(events).toHaveLength(4)
  })
})
