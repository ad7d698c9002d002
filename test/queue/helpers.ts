/**
 * Shared fixtures for the queue engine tests: an engine over a memory journal with a manual
 * clock and manual timers (no test depends on real time), byte helpers, and a reason-code
 * assertion.
 */
import { expect } from 'vitest'
import { isMQError } from '../../src/errors.js'
import { QueueEngine, type Timers } from '../../src/queue/engine.js'
import type { QueueEngineOptions } from '../../src/queue/engine.js'
import { MESSAGE_ID_BYTES } from '../../src/constants.js'
import { MemoryJournal, type JournalEntry } from './memory-journal.js'

export const START_TIME_MS = 1_700_000_000_000

export class ManualClock {
  nowMs = START_TIME_MS
  readonly now = (): number => this.nowMs
  advance(milliseconds: number): void {
    this.nowMs += milliseconds
  }
}

interface ManualTimer {
  readonly dueMs: number
  readonly callback: () => void
}

/** Timers that fire only when the test advances them. */
export class ManualTimers implements Timers {
  private nowMs = 0
  private readonly pending = new Set<ManualTimer>()

  setTimeout(callback: () => void, delayMs: number): unknown {
    const timer = { dueMs: this.nowMs + delayMs, callback }
    this.pending.add(timer)
    return timer
  }

  clearTimeout(timer: unknown): void {
    this.pending.delete(timer as ManualTimer)
  }

  get size(): number {
    return this.pending.size
  }

  advance(milliseconds: number): void {
    this.nowMs += milliseconds
    const due = [...this.pending].filter((timer) => timer.dueMs <= this.nowMs)
    for (const timer of due) {
      this.pending.delete(timer)
      timer.callback()
    }
  }
}

export interface TestEngine {
  readonly engine: QueueEngine
  readonly journal: MemoryJournal
  readonly clock: ManualClock
  readonly timers: ManualTimers
}

export function createEngine(
  options: Partial<QueueEngineOptions> & { readonly journal?: MemoryJournal } = {},
): TestEngine {
  const journal = options.journal ?? new MemoryJournal()
  const clock = new ManualClock()
  const timers = new ManualTimers()
  const engine = new QueueEngine({
    now: clock.now,
    timers,
    randomBytes: (count) => new Uint8Array(count).fill(7),
    queueManagerName: 'QM1',
    ...options,
    journal,
  })
  return { engine, journal, clock, timers }
}

/** A fresh engine that has applied `entries` (recovery without a checkpoint). */
export function replayed(
  entries: readonly JournalEntry[],
  options: Partial<QueueEngineOptions> = {},
): TestEngine {
  const test = createEngine({ ...options, journal: MemoryJournal.holding(entries) })
  for (const entry of entries) test.engine.apply(entry.record, entry.lsn)
  return test
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export const bytes = (text: string): Uint8Array => encoder.encode(text)
export const text = (content: Uint8Array): string => decoder.decode(content)

/** A 24-byte identifier from a label (zero padded). */
export function identifier(label: string): Uint8Array {
  const id = new Uint8Array(MESSAGE_ID_BYTES)
  id.set(encoder.encode(label).subarray(0, MESSAGE_ID_BYTES))
  return id
}

/** Asserts that `action` fails (throws or rejects) with MQError `reason`. */
export async function expectReason(
  action: Promise<unknown> | (() => unknown),
  reason: number,
): Promise<void> {
  let outcome: unknown
  try {
    await (typeof action === 'function' ? action() : action)
  } catch (error) {
    outcome = error
  }
  expect(isMQError(outcome), `expected MQError ${reason}, got ${String(outcome)}`).toBe(true)
  expect((outcome as { reason: number }).reason).toBe(reason)
}

/** Lets queued microtasks (waiter wake-ups) and resolved promises run. */
export async function settle(): Promise<void> {
  for (let turn = 0; turn < 5; turn++) await Promise.resolve()
  await new Promise((resolve) => setImmediate(resolve))
}
