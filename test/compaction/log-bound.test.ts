/**
 * Goal: a queue manager whose queues hold a few old unread messages keeps its log within a
 * bound while traffic flows behind them, and the old messages survive the moves unchanged and
 * in order, live and after a restart. Without compaction the same traffic grows the log (the
 * control, so the bound is not met by accident).
 * Method: 1 MiB segments, 8 MiB checkpoint interval C; four old messages on two queues, then
 * put/get traffic of 32 KiB messages, sampling logStatus() after every 1 MiB. The bound is
 * (TRIGGER + TARGET + 1)·C + 4 segments (36 MiB): compaction starts once the newest checkpoint's
 * floor is TRIGGER·C behind, moves the messages and takes two checkpoints, which retires the
 * segments below; meanwhile traffic goes on, so the other 2·C + 4 segments are room for the log
 * written during a pass and its checkpoints (on a loaded machine, up to a few hundred ms), the
 * current segment, the one prepared ahead and two spares. C is 8 MiB, not less, because at
 * ~35 MB/s a 4 MiB interval is ~120 ms of traffic: shorter than one checkpoint under load.
 * QMQ_LOG_BOUND_TRAFFIC_MIB sets the traffic (default 160; `npm run test:log-bound` runs 10 GiB).
 * QMQ_LOG_BOUND_COMPARE=1 adds a measurement: the same traffic with and without compaction, to
 * show what compaction costs the puts (their latency is printed, not asserted).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  LOG_COMPACTION_TARGET_INTERVALS,
  LOG_COMPACTION_TRIGGER_INTERVALS,
} from '../../src/constants.js'
import type { QueueManager } from '../../src/queue-manager/queue-manager.js'
import { temporaryDirectory } from '../support/temporary-directory.js'
import {
  CHECKPOINT_INTERVAL_BYTES,
  expectOldMessages,
  MiB,
  openQueueManager,
  putOldMessages,
  runTraffic,
  SEGMENT_BYTES,
} from './traffic.js'

const COMPARE = process.env['QMQ_LOG_BOUND_COMPARE'] !== undefined
const TRAFFIC_BYTES = Number(process.env['QMQ_LOG_BOUND_TRAFFIC_MIB'] ?? 160) * MiB
const LOG_BOUND_BYTES =
  (LOG_COMPACTION_TRIGGER_INTERVALS + LOG_COMPACTION_TARGET_INTERVALS + 1) *
    CHECKPOINT_INTERVAL_BYTES +
  4 * SEGMENT_BYTES

let directory: { path: string; remove: () => void }
const open: QueueManager[] = []
beforeEach(() => {
  directory = temporaryDirectory('log-bound')
})
afterEach(async () => {
  for (const queueManager of open.splice(0)) await queueManager.close().catch(() => undefined)
  directory.remove()
})

describe('log bound with old unread messages', () => {
  it(`stays within ${LOG_BOUND_BYTES / MiB} MiB under ${TRAFFIC_BYTES / MiB} MiB of traffic`, async () => {
    const queueManager = await openQueueManager(directory.path)
    open.push(queueManager)
    const old = await putOldMessages(queueManager)
    const result = await runTraffic(queueManager, TRAFFIC_BYTES)
    const status = queueManager.logStatus()
    console.log(JSON.stringify({ ...result, boundBytes: LOG_BOUND_BYTES, status }))
    expect(result.maxLogBytesOnDisk).toBeLessThanOrEqual(LOG_BOUND_BYTES)
    expect(status.compaction?.messagesMoved).toBeGreaterThan(0)
    expect(status.recoveryFloorLsn).toBeGreaterThan(status.currentLsn - LOG_BOUND_BYTES)
    await expectOldMessages(queueManager, old)

    // Replay: a restart from the checkpoint written at close, and the moved messages are found.
    await queueManager.close()
    open.pop()
    const reopened = await openQueueManager(directory.path)
    open.push(reopened)
    await expectOldMessages(reopened, old, 1)
  })

  it('without compaction the same traffic outgrows the bound (control)', async () => {
    const queueManager = await openQueueManager(directory.path, false)
    open.push(queueManager)
    await putOldMessages(queueManager)
    const result = await runTraffic(queueManager, 2 * LOG_BOUND_BYTES)
    expect(result.maxLogBytesOnDisk).toBeGreaterThan(LOG_BOUND_BYTES)
    expect(queueManager.logStatus().compaction).toBeUndefined()
  })

  it.runIf(COMPARE)('costs the puts little (measurement, both ways)', async () => {
    const results: Record<string, unknown> = {}
    for (const compaction of [true, false]) {
      const queueManager = await openQueueManager(`${directory.path}/${compaction}`, compaction)
      open.push(queueManager)
      await putOldMessages(queueManager)
      const result = await runTraffic(queueManager, TRAFFIC_BYTES)
      results[compaction ? 'with' : 'without'] = {
        ...result,
        compaction: queueManager.logStatus().compaction,
      }
      if (compaction) expect(result.maxLogBytesOnDisk).toBeLessThanOrEqual(LOG_BOUND_BYTES)
      else expect(result.maxLogBytesOnDisk).toBeGreaterThan(TRAFFIC_BYTES / 2)
      await queueManager.close()
      open.pop()
    }
    console.log(JSON.stringify(results))
  })
})
