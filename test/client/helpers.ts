/**
 * Shared by the client tests: a fake queue manager and client connections that are closed after
 * each test whatever happened, and assertions on MQError reasons.
 */
import { Buffer } from 'node:buffer'
import { afterEach, expect } from 'vitest'
import {
  connect,
  type ConnectOptions,
  type QueueManagerConnection,
} from '../../src/client/index.js'
import { isMQError, type MQError } from '../../src/errors.js'
import { FakeQueueManager, type FakeQueueManagerOptions } from './fake-queue-manager.js'

const cleanups: (() => Promise<unknown>)[] = []

afterEach(async () => {
  const pending = cleanups.splice(0).reverse()
  for (const cleanup of pending) await cleanup().catch(() => undefined)
})

export async function startFake(options: FakeQueueManagerOptions = {}): Promise<FakeQueueManager> {
  const fake = await FakeQueueManager.start(options)
  cleanups.push(() => fake.close())
  return fake
}

/** Connects to `fake` without heartbeats unless asked; closed after the test. */
export async function connectTo(
  fake: FakeQueueManager,
  options: Partial<ConnectOptions> = {},
): Promise<QueueManagerConnection> {
  const connection = await connect({ connName: fake.connName, heartbeatMs: 0, ...options })
  cleanups.push(() => connection.close())
  return connection
}

export function afterTest(cleanup: () => Promise<unknown>): void {
  cleanups.push(cleanup)
}

/** Awaits `promise`, expects it to reject with an MQError of `reason`, and returns that. */
export async function expectReason(promise: Promise<unknown>, reason: number): Promise<MQError> {
  const error: unknown = await promise.then(
    () => new Error(`expected MQRC ${reason}, but the call succeeded`),
    (failure: unknown) => failure,
  )
  if (!isMQError(error)) throw error
  expect(error.reason).toBe(reason)
  return error
}

export function text(body: Uint8Array): string {
  return Buffer.from(body).toString('utf8')
}

export function identifier(label: string): Uint8Array {
  const id = new Uint8Array(24)
  id.set(Buffer.from(label, 'latin1').subarray(0, 24))
  return id
}

/** Lets every pending I/O callback and microtask run once. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
