/**
 * Goal: one liveness rule for every connection. The tracker pings after each silent interval,
 * never twice in one interval, declares the peer dead exactly when D intervals of silence have
 * passed and not before, restarts on anything heard, and does not count silence it excused
 * (our own flow control). The timer driver sends those PINGs and confirms death only after a
 * poll phase, once.
 * Method: the pure tracker stepped through explicit times (table-style and a fast-check
 * property over random schedules); the driver with vitest's fake timers and an injected clock.
 */
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { HEARTBEAT_DEAD_AFTER_INTERVALS } from '../../src/constants.js'
import { LivenessTracker } from '../../src/runtime/liveness.js'
import { LivenessTimer } from '../../src/runtime/liveness-timer.js'

describe('LivenessTracker', () => {
  it('pings at I and 2I of silence and declares death at 3I, not before', () => {
    const tracker = new LivenessTracker(100, 0, 3)
    expect(tracker.check(50)).toMatchObject({ ping: false, dead: false, nextCheckAtMs: 100 })
    expect(tracker.check(100)).toMatchObject({ ping: true, dead: false, nextCheckAtMs: 200 })
    expect(tracker.check(150)).toMatchObject({ ping: false, dead: false, nextCheckAtMs: 200 })
    expect(tracker.check(200)).toMatchObject({ ping: true, dead: false, nextCheckAtMs: 300 })
    expect(tracker.check(299)).toMatchObject({ ping: false, dead: false })
    expect(tracker.check(300)).toMatchObject({ dead: true, silenceMs: 300 })
  })

  it('restarts the count on anything heard', () => {
    const tracker = new LivenessTracker(100, 0, 3)
    expect(tracker.check(100).ping).toBe(true)
    tracker.heard(150)
    expect(tracker.check(249)).toMatchObject({ ping: false, dead: false, nextCheckAtMs: 250 })
    expect(tracker.check(250).ping).toBe(true)
    expect(tracker.check(449).dead).toBe(false)
    expect(tracker.check(450).dead).toBe(true)
  })

  it('does not count silence it excused', () => {
    const tracker = new LivenessTracker(100, 0, 3)
    tracker.excuse(290)
    expect(tracker.check(300).dead).toBe(false)
    expect(tracker.check(589).dead).toBe(false)
    expect(tracker.check(590).dead).toBe(true)
  })

  it('uses the shared constant by default', () => {
    const tracker = new LivenessTracker(10, 0)
    expect(tracker.deadAfterIntervals).toBe(HEARTBEAT_DEAD_AFTER_INTERVALS)
    expect(tracker.check(10 * HEARTBEAT_DEAD_AFTER_INTERVALS - 1).dead).toBe(false)
    expect(tracker.check(10 * HEARTBEAT_DEAD_AFTER_INTERVALS).dead).toBe(true)
  })

  it('over random schedules: dead iff D intervals of silence; pings spaced by an interval', () => {
    const event = fc.record({ afterMs: fc.integer({ min: 0, max: 150 }), heard: fc.boolean() })
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 60 }),
        fc.integer({ min: 2, max: 5 }),
        (events, d) => {
          const intervalMs = 40
          const tracker = new LivenessTracker(intervalMs, 0, d)
          let nowMs = 0
          let lastHeardMs = 0
          let lastPingMs = -Infinity
          for (const { afterMs, heard } of events) {
            nowMs += afterMs
            if (heard) {
              tracker.heard(nowMs)
              lastHeardMs = nowMs
            }
            const verdict = tracker.check(nowMs)
            expect(verdict.dead).toBe(nowMs - lastHeardMs >= d * intervalMs)
            if (verdict.dead) return
            if (verdict.ping) {
              expect(nowMs - lastHeardMs).toBeGreaterThanOrEqual(intervalMs)
              expect(nowMs - lastPingMs).toBeGreaterThanOrEqual(intervalMs)
              lastPingMs = nowMs
            }
            expect(verdict.nextCheckAtMs).toBeGreaterThan(nowMs)
          }
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('LivenessTimer', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  function setup(listening = () => true) {
    const events: string[] = []
    const timer = new LivenessTimer(
      100,
      {
        sendPing: () => events.push('ping'),
        isListening: listening,
        declareDead: (silenceMs) => events.push(`dead after ${silenceMs}`),
      },
      () => Date.now(),
    )
    timer.start()
    return { events, timer }
  }

  it('pings after silence and declares death once, after a poll phase', () => {
    const { events } = setup()
    vi.advanceTimersByTime(99)
    expect(events).toEqual([])
    vi.advanceTimersByTime(1)
    expect(events).toEqual(['ping'])
    vi.advanceTimersByTime(100)
    expect(events).toEqual(['ping', 'ping'])
    vi.advanceTimersByTime(100)
    expect(events).toEqual(['ping', 'ping']) // the verdict waits for one poll phase
    vi.runOnlyPendingTimers()
    expect(events).toEqual(['ping', 'ping', 'dead after 300'])
    vi.advanceTimersByTime(1000)
    expect(events).toEqual(['ping', 'ping', 'dead after 300'])
  })

  it('stays quiet while the peer talks', () => {
    const { events, timer } = setup()
    for (let step = 0; step < 20; step++) {
      vi.advanceTimersByTime(60)
      timer.heard()
    }
    expect(events).toEqual([])
  })

  it('a peer heard between the verdict and its confirmation is not dead', () => {
    const { events, timer } = setup()
    vi.advanceTimersByTime(299)
    expect(events).toEqual(['ping', 'ping'])
    vi.advanceTimersByTime(1) // the verdict, confirmation pending on setImmediate
    timer.heard()
    vi.runOnlyPendingTimers()
    expect(events).toEqual(['ping', 'ping'])
    vi.advanceTimersByTime(300)
    vi.runOnlyPendingTimers()
    expect(events.at(-1)).toMatch(/^dead/)
  })

  it('does not count silence while we are not listening', () => {
    let listening = false
    const { events } = setup(() => listening)
    vi.advanceTimersByTime(1000)
    expect(events.some((event) => event.startsWith('dead'))).toBe(false)
    listening = true
    vi.advanceTimersByTime(400)
    vi.runOnlyPendingTimers()
    expect(events.some((event) => event.startsWith('dead'))).toBe(true)
  })

  it('stop() ends it for good', () => {
    const { events, timer } = setup()
    timer.stop()
    vi.advanceTimersByTime(1000)
    expect(events).toEqual([])
  })
})
