/** The hard state file and the commit-gated journal port of a replicated queue manager. */
import fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { JournalHandle } from '../../src/actors/journal/handle.js'
import { RecordType } from '../../src/actors/journal/record-types.js'
import { loadHardState, saveHardState } from '../../src/actors/replication/hard-state-file.js'
import { isMQError, Reason } from '../../src/errors.js'
import { CommitJournalPort } from '../../src/queue-manager/commit-journal-port.js'
import { SerialOps } from '../../src/queue-manager/serial-ops.js'
import { temporaryDirectory } from '../support/temporary-directory.js'

describe('hard state file', () => {
  let directory: ReturnType<typeof temporaryDirectory>
  beforeEach(() => (directory = temporaryDirectory('hard-state')))
  afterEach(() => directory.remove())

  it('starts at epoch 0 with no vote, and reads back what was saved', () => {
    const path = join(directory.path, 'replication.json')
    expect(loadHardState(path)).toEqual({ epoch: 0, votedFor: undefined })
    saveHardState(path, { epoch: 7, votedFor: 'b' })
    expect(loadHardState(path)).toEqual({ epoch: 7, votedFor: 'b' })
    saveHardState(path, { epoch: 8, votedFor: undefined })
    expect(loadHardState(path)).toEqual({ epoch: 8, votedFor: undefined })
    expect(fs.existsSync(`${path}.tmp`)).toBe(false)
  })

  it('refuses a damaged file rather than start with epoch 0', () => {
    const path = join(directory.path, 'replication.json')
    fs.writeFileSync(path, '{"epoch":-3}')
    expect(() => loadHardState(path)).toThrow(/epoch/)
  })
})

describe('CommitJournalPort', () => {
  const appended: unknown[] = []
  const journal = {
    append: (record: unknown) => appended.push(record) * 100,
  } as unknown as JournalHandle
  const epochStart = { type: RecordType.EPOCH_START, previousEpoch: 0 } as const

  it('appends only while serving', () => {
    const port = new CommitJournalPort(journal, { commitLsn: 0, servingEpoch: 0 })
    let refused: unknown
    try {
      port.append(epochStart)
    } catch (error) {
      refused = error
    }
    expect(isMQError(refused) && refused.reason === Reason.Q_MGR_NOT_AVAILABLE).toBe(true)
    port.serve(3)
    expect(port.append(epochStart)).toBeGreaterThan(0)
  })

  it('resolves waiters once the commit LSN passes their record, in any order of asking', async () => {
    const view = { commitLsn: 100, servingEpoch: 3 }
    const port = new CommitJournalPort(journal, view)
    port.serve(3)
    await port.waitDurable(64)
    const done: number[] = []
    const waits = [300, 200, 400].map((lsn) => port.waitDurable(lsn).then(() => done.push(lsn)))
    view.commitLsn = 301
    port.committed()
    await Promise.resolve()
    await Promise.resolve()
    expect(done.sort()).toEqual([200, 300])
    port.close('deposed')
    await expect(waits[2]).rejects.toThrow(/deposed/)
    await expect(port.waitDurable(500)).rejects.toThrow(/deposed/)
  })

  // The chaos suite's finding: a primary paused past its replacement read its successor's commit
  // LSN before it heard it was deposed, and acknowledged its own records at those LSNs, which
  // were cut. A commit under another serving epoch must fail the waiters, never resolve them.
  it("never acknowledges its own records with a successor's commit LSN", async () => {
    const view = { commitLsn: 100, servingEpoch: 91 }
    const port = new CommitJournalPort(journal, view)
    port.serve(91)
    const waiting = port.waitDurable(150)
    view.servingEpoch = 0
    view.commitLsn = 400
    port.committed()
    await expect(waiting).rejects.toThrow(/deposed: no longer the primary of epoch 91/)
    // And the fast path: a record below the successor's commit LSN is not acknowledged either.
    const again = new CommitJournalPort(journal, view)
    again.serve(91)
    await expect(again.waitDurable(150)).rejects.toThrow(/deposed/)
    // Re-elected in a later epoch is another epoch: still not this port's.
    const later = new CommitJournalPort(journal, { commitLsn: 400, servingEpoch: 95 })
    later.serve(91)
    await expect(later.waitDurable(150)).rejects.toThrow(/deposed/)
  })
})

describe('SerialOps', () => {
  it('runs operations in order, holding later ones behind an asynchronous one', async () => {
    const order: string[] = []
    const errors: unknown[] = []
    const ops = new SerialOps((error) => errors.push(error))
    let release!: () => void
    ops.run(() => void order.push('a'))
    ops.run(async () => {
      order.push('b-start')
      await new Promise<void>((resolve) => (release = resolve))
      order.push('b-end')
    })
    ops.run(() => {
      throw new Error('c failed')
    })
    ops.run(() => void order.push('d'))
    expect(order).toEqual(['a', 'b-start'])
    release()
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(order).toEqual(['a', 'b-start', 'b-end', 'd'])
    expect(errors).toHaveLength(1)
  })
})
