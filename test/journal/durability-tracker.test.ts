/**
 * Goal: durability promises resolve exactly when the durable end passes them, are shared per
 * flush group, and all fail together. Method: drive the tracker by hand.
 */
import { describe, expect, it } from 'vitest'
import { DurabilityTracker } from '../../src/actors/journal/durability-tracker.js'

async function settled(promise: Promise<void>): Promise<'resolved' | 'rejected' | 'pending'> {
  const marker = Symbol('pending')
  const result = await Promise.race([
    promise.then(
      () => 'resolved' as const,
      () => 'rejected' as const,
    ),
    new Promise<symbol>((resolve) => setImmediate(() => resolve(marker))),
  ])
  return result === marker ? 'pending' : (result as 'resolved' | 'rejected')
}

describe('durability tracker', () => {
  it('shares one promise per flush group and resolves groups in order', async () => {
    const tracker = new DurabilityTracker(64)
    const first = tracker.waitFor(64)
    expect(tracker.waitFor(200)).toBe(first)
    tracker.closeOpenGroup(300)
    const second = tracker.waitFor(300)
    expect(second).not.toBe(first)
    tracker.closeOpenGroup(400)
    expect(tracker.waitFor(250)).toBe(first)
    tracker.advance(299)
    expect(await settled(first)).toBe('pending')
    tracker.advance(300)
    expect(await settled(first)).toBe('resolved')
    expect(await settled(second)).toBe('pending')
    tracker.advance(400)
    expect(await settled(second)).toBe('resolved')
    expect(tracker.hasWaiters()).toBe(false)
  })

  it('an LSN already durable resolves at once', async () => {
    const tracker = new DurabilityTracker(1000)
    expect(await settled(tracker.waitFor(999))).toBe('resolved')
  })

  it('an LSN flushed in a turn nobody waited in still waits for the durable end', async () => {
    const tracker = new DurabilityTracker(64)
    tracker.closeOpenGroup(300)
    tracker.closeOpenGroup(500)
    const late = tracker.waitFor(100)
    expect(tracker.waitFor(400)).toBe(late)
    expect(tracker.hasWaiters()).toBe(true)
    tracker.advance(300)
    expect(await settled(late)).toBe('pending')
    const after = tracker.waitFor(500)
    tracker.advance(500)
    expect(await settled(late)).toBe('resolved')
    expect(await settled(after)).toBe('pending')
    expect(tracker.hasWaiters()).toBe(true)
  })

  it('failAll rejects open and closed groups', async () => {
    const tracker = new DurabilityTracker(0)
    const closed = tracker.waitFor(8)
    tracker.closeOpenGroup(100)
    const open = tracker.waitFor(100)
    tracker.failAll(new Error('disk gone'))
    expect(await settled(closed)).toBe('rejected')
    expect(await settled(open)).toBe('rejected')
  })
})
