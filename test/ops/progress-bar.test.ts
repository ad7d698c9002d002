/**
 * Goal: the progress bar says how far and how long is left, and draws only on a terminal, in
 * place, no more often than its redraw interval. Method: the pure text, then a fake stream and
 * clock.
 */
import { describe, expect, it } from 'vitest'
import { PROGRESS_REDRAW_INTERVAL_MS } from '../../src/constants.js'
import { ProgressBar, formatProgress } from '../../src/ops/progress-bar.js'

describe('formatProgress', () => {
  it('fills the bar by the fraction done and estimates the rest from the rate so far', () => {
    expect(formatProgress(50_000, 100_000, 3_000, 'messages put', 10)).toBe(
      '[#####.....]  50%  50,000/100,000 messages put  ETA 3 s',
    )
    expect(formatProgress(0, 4, 0, 'variants', 4)).toBe('[....]   0%  0/4 variants')
    expect(formatProgress(5, 4, 10, 'variants', 4)).toBe('[####] 100%  5/4 variants')
  })
})

describe('ProgressBar', () => {
  function stream(isTTY: boolean) {
    const written: string[] = []
    return { isTTY, written, write: (text: string) => written.push(text) }
  }

  it('redraws in place on a terminal, at most once per interval, and clears its line', () => {
    const terminal = stream(true)
    let now = 0
    const bar = new ProgressBar(terminal, 10, 'items', () => now)
    bar.update(1)
    now += PROGRESS_REDRAW_INTERVAL_MS / 2
    bar.update(2)
    now += PROGRESS_REDRAW_INTERVAL_MS
    bar.update(5)
    bar.finish()
    expect(terminal.written).toHaveLength(3)
    expect(terminal.written[0]).toMatch(/^\r\[#+\.+\] +10% {2}1\/10 items/)
    expect(terminal.written[1]).toMatch(/^\r.* 50% {2}5\/10 items {2}ETA 1 s$/)
    expect(terminal.written[2]).toBe('\r\u001b[2K')
  })

  it('draws nothing when the output is not a terminal', () => {
    const piped = stream(false)
    const bar = new ProgressBar(piped, 10, 'items', () => 0)
    bar.update(5)
    bar.finish()
    expect(piped.written).toEqual([])
  })
})
