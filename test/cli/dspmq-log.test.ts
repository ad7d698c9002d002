/**
 * Goal: `dspmq -o log` shows a running queue manager's log as the queue manager reports it
 * (QueueManager.logStatus(), through the daemon's dspmq command), and only the status line for
 * one that is not running. Method: a node with two queue managers, one started; the built
 * commands run as child processes; persistent puts (amqsput) must move CURRLOG forward and keep
 * the figures consistent with each other and CURRLOG with DISPLAY QMSTATUS'.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SMALL_LOG_FILE_PAGES, TestNode, freePort, lines } from './support.js'

const LOG_LINE =
  /^QMNAME\(QM1\) +STATUS\(Running\) LOGSIZE\((\d+)\) LOGSEGS\((\d+)\) LOGINUSE\((\d+)\) CURRLOG\((\d+)\) RECLOG\((\d+)\) MEDIALOG\((\d+)\) CKPTLOG\((\d+)\)$/

interface LogFigures {
  readonly size: number
  readonly segments: number
  readonly inUse: number
  readonly current: number
  readonly recovery: number
  readonly media: number
  readonly checkpoint: number
}

function figuresOf(line: string | undefined): LogFigures {
  const match = LOG_LINE.exec(line ?? '')
  expect(match, String(line)).not.toBeNull()
  const [size, segments, inUse, current, recovery, media, checkpoint] = match!
    .slice(1)
    .map(Number) as [number, number, number, number, number, number, number]
  return { size, segments, inUse, current, recovery, media, checkpoint }
}

describe('dspmq -o log', () => {
  let node: TestNode

  beforeAll(async () => {
    node = new TestNode('dspmq-log')
    for (const name of ['QM1', 'QM2']) {
      const port = String(await freePort())
      const created = await node.run('crtmqm', ['-lf', SMALL_LOG_FILE_PAGES, '-p', port, name])
      expect(created.code, created.stderr).toBe(0)
    }
    expect((await node.run('strmqm', ['QM1'])).code).toBe(0)
  })
  afterAll(async () => {
    await node.dispose()
  })

  it('shows the running queue manager log and the status alone for the other', async () => {
    const shown = await node.run('dspmq', ['-o', 'log'])
    expect(shown.code, shown.stderr).toBe(0)
    const [first, second] = lines(shown.stdout)
    const figures = figuresOf(first)
    expect(second).toBe(
      'QMNAME(QM2)                                               STATUS(Ended immediately)',
    )
    expect(figures.segments).toBeGreaterThanOrEqual(1)
    expect(figures.size).toBeGreaterThan(0)
    expect(figures.current).toBeGreaterThan(0)
    expect(figures.media).toBeLessThanOrEqual(figures.recovery)
    expect(figures.recovery).toBeLessThanOrEqual(figures.current)
    expect(figures.inUse).toBe(figures.current - figures.media)
  })

  it('follows the log as persistent messages are put, and agrees with DISPLAY QMSTATUS', async () => {
    const before = figuresOf(lines((await node.run('dspmq', ['-m', 'QM1', '-o', 'log'])).stdout)[0])
    const defined = await node.run('runmqsc', ['QM1'], {
      input: 'DEFINE QLOCAL(LOG.Q) DEFPSIST(YES)\n',
    })
    expect(defined.code, defined.stdout).toBe(0)
    const put = await node.run('amqsput', ['LOG.Q', 'QM1'], { input: 'one\ntwo\nthree\n\n' })
    expect(put.code, put.stderr).toBe(0)
    const after = figuresOf(lines((await node.run('dspmq', ['-m', 'QM1', '-o', 'log'])).stdout)[0])
    expect(after.current).toBeGreaterThan(before.current)
    const status = await node.run('runmqsc', ['QM1'], { input: 'DISPLAY QMSTATUS ALL\n' })
    // DISPLAY QMSTATUS ran after dspmq: the log can only have grown in between (a checkpoint or
    // a segment prepared ahead may also have moved the other figures, so only CURRLOG is compared).
    const currentShown = Number(/CURRLOG\((\d+)\)/.exec(status.stdout)?.[1])
    expect(currentShown).toBeGreaterThanOrEqual(after.current)
  })

  it('is refused with the usage for an output it does not know', async () => {
    const refused = await node.run('dspmq', ['-o', 'logs'])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr + refused.stdout).toContain('-o log')
  })
})
