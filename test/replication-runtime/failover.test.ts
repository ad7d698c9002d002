/**
 * A replicated group on real processes: election, the commit rule, kill -9 of the primary
 * mid-load. Needs `npm run build` (members run dist/).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { temporaryDirectory } from '../support/temporary-directory.js'
import { browseAll, connectToGroup, countOf, drain, putSequence } from './client-work.js'
import { groupPort, MemberGroup, NODES } from '../../src/replication-group/member-group.js'

describe('replicated group on loopback', () => {
  let directory: ReturnType<typeof temporaryDirectory>
  let group: MemberGroup

  beforeEach(async () => {
    directory = temporaryDirectory('repl-runtime')
    group = new MemberGroup(directory.path, await groupPort())
  })

  afterEach(async () => {
    await group.stopAll()
    if (process.env['QMQ_KEEP_TEST_DIRECTORY'] === undefined) directory.remove()
    else console.log(`kept ${directory.path}`)
  })

  it('elects one primary; the others refuse clients as standbys', async () => {
    group.startAll()
    const primary = await group.waitForPrimary()
    const connection = await connectToGroup(group.connName)
    const { acked, failure } = await putSequence(connection, 'm', 20)
    expect(failure).toBeUndefined()
    expect(acked).toHaveLength(20)
    await connection.close()
    for (const node of NODES) {
      if (node === primary) continue
      const serving = group.member(node).events.filter((event) => event.event === 'serving')
      expect(serving.some((event) => event['serving'] === true)).toBe(false)
    }
  })

  it('acknowledges a persistent put only with a quorum: none while both secondaries are stopped', async () => {
    group.startAll()
    const primary = await group.waitForPrimary()
    const connection = await connectToGroup(group.connName)
    expect((await putSequence(connection, 'before', 5)).failure).toBeUndefined()
    const secondaries = NODES.filter((node) => node !== primary)
    for (const node of secondaries) group.member(node).signal('SIGSTOP')
    const outcome = await putSequence(connection, 'alone', 1)
    // Check-quorum deposes the lonely primary: the put fails, it is never acknowledged.
    expect(outcome.acked).toEqual([])
    expect(outcome.failure).toBeDefined()
    await group.member(primary).waitFor((event) => event.event === 'serving' && !event['serving'])
    for (const node of secondaries) group.member(node).signal('SIGCONT')
    await connection.close().catch(() => undefined)
  })

  it('kill -9 of the primary mid-load: a new primary serves every acknowledged message once', async () => {
    group.startAll()
    const primary = await group.waitForPrimary()
    const connection = await connectToGroup(group.connName)
    const killed = new Promise<void>((resolve) => {
      void putSequence(connection, 'load', 100_000, (index) => {
        if (index === 300) void group.member(primary).kill9().then(resolve)
      }).then((outcome) => (loaded = outcome))
    })
    let loaded: Awaited<ReturnType<typeof putSequence>> | undefined
    await killed
    const next = await group.waitForPrimary(15_000, primary)
    expect(next).not.toBe(primary)
    await waitUntil(() => loaded !== undefined)
    expect(loaded!.acked.length).toBeGreaterThan(300)
    const survivor = await connectToGroup(group.connName)
    const bodies = await drain(survivor)
    const counts = countOf(bodies)
    for (const body of loaded!.acked) expect(counts.get(body), body).toBe(1)
    // Nothing twice, nothing never put.
    for (const [body, count] of counts) {
      expect(count, body).toBe(1)
      expect(body.startsWith('load-')).toBe(true)
    }
    expect(await browseAll(survivor)).toEqual([])
    await survivor.close()
    await connection.close().catch(() => undefined)
  })
})

/** Longer proof behind an env var: QMQ_REPLICATION_ROUNDS=N kills the primary N times. */
const ROUNDS = Number(process.env['QMQ_REPLICATION_ROUNDS'] ?? 0)

describe.runIf(ROUNDS > 0)('replicated group: repeated kill -9 of the primary', () => {
  it(
    `${ROUNDS} rounds: every acknowledged message survives exactly once`,
    async () => {
      const directory = temporaryDirectory('repl-rounds')
      const group = new MemberGroup(directory.path, await groupPort())
      try {
        group.startAll()
        const acked: string[] = []
        for (let round = 0; round < ROUNDS; round++) {
          const primary = await group.waitForPrimary(30_000)
          const connection = await connectToGroup(group.connName)
          const killAt = 20 + Math.floor(Math.random() * 200)
          let killed: Promise<void> | undefined
          const outcome = await putSequence(connection, `r${round}`, 100_000, (index) => {
            if (index === killAt) killed = group.member(primary).kill9()
          })
          await killed
          acked.push(...outcome.acked)
          await connection.close().catch(() => undefined)
          group.start(primary)
          await group.waitCaughtUp(primary, await group.waitForPrimary(30_000, primary), 30_000)
        }
        const survivor = await connectToGroup(group.connName)
        const counts = countOf(await drain(survivor))
        for (const body of acked) expect(counts.get(body), body).toBe(1)
        for (const count of counts.values()) expect(count).toBe(1)
        await survivor.close()
      } finally {
        await group.stopAll()
        directory.remove()
      }
    },
    120_000 * Math.max(1, ROUNDS),
  )
})

async function waitUntil(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
