/**
 * Catch-up, leadership transfer and divergence on real member processes. Needs `npm run build`.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { recordEpoch, recordLsn } from '../../src/actors/journal/record-header.js'
import { temporaryDirectory } from '../support/temporary-directory.js'
import { browseAll, connectToGroup, countOf, drain, putSequence } from './client-work.js'
import {
  groupPort,
  MemberGroup,
  NODES,
  type NodeName,
} from '../../src/replication-group/member-group.js'

describe('replicated group: catch-up, transfer, divergence', () => {
  let directory: ReturnType<typeof temporaryDirectory>
  let group: MemberGroup

  beforeEach(async () => {
    directory = temporaryDirectory('repl-catch-up')
    group = new MemberGroup(directory.path, await groupPort())
  })

  afterEach(async () => {
    if (process.env['QMQ_KEEP_TEST_DIRECTORY'] !== undefined) {
      const { execSync } = await import('node:child_process')
      const pids = [...group.members.values()].map((member) => member.pid).join(',')
      console.log(execSync(`ps -o pid,stat,pcpu,wchan:20 -p ${pids} || true`).toString())
      for (const member of group.members.values()) {
        const { exitCode, signalCode, pid } = member.child
        console.log(member.name, pid, exitCode, signalCode, JSON.stringify(member.events.at(-1)))
      }
    }
    await group.stopAll()
    if (process.env['QMQ_KEEP_TEST_DIRECTORY'] === undefined) directory.remove()
    else console.log(`kept ${directory.path}`)
  })

  it('a restarted secondary catches up; leadership moves to it with nothing lost or doubled', async () => {
    group.startAll()
    const primary = await group.waitForPrimary()
    const [behind, other] = NODES.filter((node) => node !== primary) as [NodeName, NodeName]
    const connection = await connectToGroup(group.connName)
    const first = await putSequence(connection, 'early', 50)
    await group.member(behind).kill9()
    const second = await putSequence(connection, 'while-down', 200)
    expect(second.failure).toBeUndefined()
    group.start(behind)
    const third = await putSequence(connection, 'after', 50)
    expect(third.failure).toBeUndefined()
    await group.waitCaughtUp(behind, primary)
    // Stop the other secondary: every later commit needs the restarted one.
    await group.member(other).kill9()
    const fourth = await putSequence(connection, 'caught-up', 10)
    expect(fourth.failure).toBeUndefined()
    group.start(other)
    await group.waitCaughtUp(other, primary)
    group.member(primary).command(`transfer ${behind}`)
    expect(await group.waitForPrimary(15_000, primary)).toBe(behind)
    await connection.close().catch(() => undefined)
    const onNew = await connectToGroup(group.connName)
    const bodies = await drain(onNew)
    const acked = [...first.acked, ...second.acked, ...third.acked, ...fourth.acked]
    expect(acked).toHaveLength(310)
    expect(bodies).toEqual(acked)
    await onNew.close()
  })

  it('a deposed primary rejoins: its uncommitted tail is cut and saved aside', async () => {
    group.startAll()
    const old = await group.waitForPrimary()
    const others = NODES.filter((node) => node !== old)
    const connection = await connectToGroup(group.connName)
    expect((await putSequence(connection, 'committed', 10)).failure).toBeUndefined()
    // Killed, not stopped: a stopped process's kernel still takes the APPEND into its socket.
    for (const node of others) await group.member(node).kill9()
    // Written on the old primary only, never acknowledged: check-quorum deposes it first.
    const lonely = await putSequence(connection, 'lonely', 1)
    expect(lonely.acked).toEqual([])
    await group.member(old).kill9()
    for (const node of others) group.start(node)
    const next = await group.waitForPrimary(15_000, old)
    const survivor = await connectToGroup(group.connName)
    expect((await putSequence(survivor, 'new-epoch', 5)).failure).toBeUndefined()
    const rejoined = group.start(old)
    const saved = await rejoined.waitFor((event) => event.event === 'divergent')
    const file = saved['file'] as string
    expect(file.startsWith(join(group.dataDirectory(old), 'divergent'))).toBe(true)
    // The cut records as they were: the lonely put, its LSN and epoch in the file's name.
    const cut = fs.readFileSync(file)
    const [epoch, lsn] = /(\d+)-(\d+)\.qlog$/.exec(file)!.slice(1).map(Number) as [number, number]
    expect(recordLsn(cut, 0)).toBe(lsn)
    expect(recordEpoch(cut, 0)).toBe(epoch)
    expect(cut.includes(Buffer.from('lonely-0'))).toBe(true)
    expect(next).not.toBe(old)
    const counts = countOf(await browseAll(survivor))
    expect(counts.get('lonely-0')).toBeUndefined()
    expect([...counts.values()].every((count) => count === 1)).toBe(true)
    expect(counts.size).toBe(15)
    await survivor.close()
    await connection.close().catch(() => undefined)
  })
})
