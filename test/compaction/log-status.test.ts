/**
 * Goal: the queue manager reports its log (bytes and segments on disk, current LSN, checkpoint,
 * the floor restart recovery needs) and DISPLAY QMSTATUS shows it in runmqsc's layout; the
 * floor moves up once the old message that held it is relocated.
 * Method: a real queue manager with 1 MiB segments; one old message, then traffic; logStatus()
 * and runMqsc with the queue manager as host, before and after compaction.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { formatTranscript, runMqsc } from '../../src/mqsc/index.js'
import { parseCommand } from '../../src/mqsc/command-parser.js'
import type { QueueManager } from '../../src/queue-manager/queue-manager.js'
import { temporaryDirectory } from '../support/temporary-directory.js'
import {
  CHECKPOINT_INTERVAL_BYTES,
  MiB,
  openQueueManager,
  putOldMessages,
  runTraffic,
} from './traffic.js'

let directory: { path: string; remove: () => void }
const open: QueueManager[] = []
beforeEach(() => {
  directory = temporaryDirectory('log-status')
})
afterEach(async () => {
  for (const queueManager of open.splice(0)) await queueManager.close().catch(() => undefined)
  directory.remove()
})

async function display(queueManager: QueueManager, script: string): Promise<string[]> {
  const run = await runMqsc(queueManager.engine, script, queueManager.name, {
    logStatus: () => queueManager.logStatus(),
  })
  return formatTranscript(run, queueManager.name).slice(4, -3)
}

describe('log status', () => {
  it('reports the log, and the recovery floor follows the relocated old messages', async () => {
    const queueManager = await openQueueManager(directory.path)
    open.push(queueManager)
    await putOldMessages(queueManager)
    const before = queueManager.logStatus()
    expect(before.segments).toBeGreaterThanOrEqual(1)
    expect(before.logBytesOnDisk).toBe((before.segments + before.spareSegments) * MiB)
    expect(before.oldestLiveLsn).toBeGreaterThan(0)
    expect(before.currentLsn).toBe(queueManager.journalEndLsn)
    await runTraffic(queueManager, 6 * CHECKPOINT_INTERVAL_BYTES)
    await queueManager.compactLog()
    const after = queueManager.logStatus()
    expect(after.compaction?.messagesMoved).toBeGreaterThanOrEqual(4)
    expect(after.oldestLiveLsn).toBeGreaterThan(before.currentLsn)
    expect(after.recoveryFloorLsn).toBeGreaterThan(before.currentLsn)
    expect(after.checkpointLsn).toBeGreaterThanOrEqual(after.recoveryFloorLsn)
    expect(after.logBytesInUse).toBe(after.currentLsn - after.retainedFloorLsn)

    const lines = await display(queueManager, 'DISPLAY QMSTATUS ALL')
    const shown = queueManager.logStatus()
    expect(lines[0]).toBe('     1 : DISPLAY QMSTATUS ALL')
    expect(lines[1]).toBe('AMQ8705I: Display Queue Manager Status Details.')
    expect(lines.slice(2).join('\n')).toContain(`RECLOG(${shown.recoveryFloorLsn})`)
    expect(lines.slice(2).join('\n')).toContain(`CURRLOG(${shown.currentLsn})`)
    expect(lines.slice(2).join('\n')).toContain(`LOGSIZE(${shown.logBytesOnDisk})`)
    expect(lines[2]).toMatch(/^ {3}QMNAME\(QMBOUND\) +STATUS\(RUNNING\)$/)
  })

  it('parses DISPLAY QMSTATUS: STATUS always, log attributes on request', async () => {
    expect(parseCommand('DIS QMSTATUS')).toEqual({
      ok: true,
      command: { kind: 'displayQueueManagerStatus', attributes: ['STATUS'] },
    })
    expect(parseCommand('DISPLAY QMSTATUS RECLOG CURRLOG')).toEqual({
      ok: true,
      command: { kind: 'displayQueueManagerStatus', attributes: ['STATUS', 'CURRLOG', 'RECLOG'] },
    })
    expect(parseCommand('DISPLAY QMSTATUS(QM1)').ok).toBe(false)
    expect(parseCommand('DISPLAY QMSTATUS MAXDEPTH').ok).toBe(false)
    const queueManager = await openQueueManager(directory.path)
    open.push(queueManager)
    // Without a host's log figures only what the engine knows is shown.
    const run = await runMqsc(queueManager.engine, 'DIS QMSTATUS ALL', queueManager.name)
    expect(run.results[0]?.lines).toEqual([
      'AMQ8705I: Display Queue Manager Status Details.',
      '   QMNAME(QMBOUND)                         STATUS(RUNNING)',
    ])
  })
})
