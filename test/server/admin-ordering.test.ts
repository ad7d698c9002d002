/**
 * Goal: an ADMIN is ordered against the requests after it on the same connection: a DEFINE
 * sent, pipelined, ahead of an OPEN, a PUT and a QUERY of the queue it defines takes effect
 * before them, although the admin function is asynchronous.
 * Method: a real server whose admin function defines the named queue only after a timer (so
 * the script genuinely completes later than the frames behind it arrive); a raw client writes
 * all four frames at once and only then awaits the replies.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Opcode } from '../../src/wire/client-protocol.js'
import { ServerFixture, putRequest } from './server-fixture.js'
import { expectType } from './wire-client.js'

let fixture: ServerFixture

beforeAll(async () => {
  fixture = await ServerFixture.start()
})
afterEach(async () => {
  await fixture.closeServers()
})
afterAll(async () => {
  await fixture.stop()
})

/** Runs `DEFINE QLOCAL(name)` a few milliseconds later, as a slow MQSC interpreter would. */
async function slowDefine(command: string): Promise<{ lines: string[]; failedCount: number }> {
  const name = /^DEFINE QLOCAL\(([A-Z0-9.]+)\)$/.exec(command)?.[1]
  await new Promise((resolve) => setTimeout(resolve, 30))
  if (name === undefined) return { lines: [`unknown: ${command}`], failedCount: 1 }
  await fixture.defineQueue({ name })
  return { lines: [`defined ${name}`], failedCount: 0 }
}

describe('ADMIN ordering', () => {
  it('applies a pipelined DEFINE before the OPEN, PUT and QUERY sent behind it', async () => {
    const server = await fixture.listen({ admin: slowDefine })
    const client = await fixture.connect(server)
    const define = client.request({ type: Opcode.ADMIN, command: 'DEFINE QLOCAL(Q.ORDERED)' })
    const open = client.request({
      type: Opcode.OPEN,
      queueName: 'Q.ORDERED',
      options: { output: true },
    })
    // The first handle of a connection is 1: the PUT names it without awaiting OPEN_OK.
    const put = client.request(putRequest(1, 'after the define'))
    const query = client.request({ type: Opcode.QUERY, queueName: 'Q.ORDERED' })

    expect(expectType(await define, Opcode.ADMIN_RESULT).failedCount).toBe(0)
    expect(expectType(await open, Opcode.OPEN_OK).handle).toBe(1)
    expectType(await put, Opcode.PUT_OK)
    expect(expectType(await query, Opcode.QUEUE_INFO).status.currentDepth).toBe(1)
    expect(fixture.queueManager.engine.queueStatus('Q.ORDERED').currentDepth).toBe(1)
  })

  it('keeps the barrier when the ADMIN fails, and serves what follows it', async () => {
    const server = await fixture.listen({ admin: () => Promise.reject(new Error('broken')) })
    const client = await fixture.connect(server)
    const admin = client.request({ type: Opcode.ADMIN, command: 'DISPLAY QMGR' })
    const ping = client.request({ type: Opcode.PING })
    expect(expectType(await admin, Opcode.ERROR).requestId).toBeGreaterThan(0)
    expectType(await ping, Opcode.PONG)
  })
})
