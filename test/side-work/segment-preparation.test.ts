/**
 * Goal: segment preparation never falls behind into preparing segments the journal has passed.
 * Method: a pool whose tasks finish only when the test says, segments opened faster than it
 * works; then the file level: a passed segment is recognised and two preparers of different
 * segments never share one spare.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  listSegments,
  preallocateSegment,
  retireSegment,
  segmentPassed,
  segmentPath,
} from '../../src/actors/journal/segment-files.js'
import { SegmentPreparation } from '../../src/side-work/segment-preparation.js'
import type { PrepareSegmentTask } from '../../src/side-work/tasks.js'
import { temporaryDirectory } from '../support/temporary-directory.js'

function controlledPool() {
  const asked: number[] = []
  const finishers: (() => void)[] = []
  return {
    asked,
    finishOne: async () => {
      finishers.shift()?.()
      await new Promise((resolve) => setImmediate(resolve))
    },
    prepareSegment: (task: PrepareSegmentTask) => {
      asked.push(task.segmentIndex)
      return new Promise<void>((resolve) => finishers.push(resolve))
    },
  }
}

describe('SegmentPreparation', () => {
  it('keeps one task in flight and collapses a backlog to the newest segment', async () => {
    const pool = controlledPool()
    const preparation = new SegmentPreparation(pool, { directory: '/x', segmentBytes: 1 }, () => {})
    preparation.opened(4)
    preparation.opened(5)
    preparation.opened(6)
    preparation.opened(7)
    expect(pool.asked).toEqual([5])
    await pool.finishOne()
    expect(pool.asked).toEqual([5, 8])
    await pool.finishOne()
    expect(pool.asked).toEqual([5, 8])
    preparation.opened(8)
    expect(pool.asked).toEqual([5, 8, 9])
  })

  it('goes on after a failed task and reports it', async () => {
    const failures: number[] = []
    const asked: number[] = []
    const pool = {
      prepareSegment: (task: PrepareSegmentTask) => {
        asked.push(task.segmentIndex)
        return Promise.reject(new Error('disk'))
      },
    }
    const preparation = new SegmentPreparation(pool, { directory: '/x', segmentBytes: 1 }, (_, i) =>
      failures.push(i),
    )
    preparation.opened(0)
    await new Promise((resolve) => setImmediate(resolve))
    preparation.opened(1)
    await new Promise((resolve) => setImmediate(resolve))
    expect({ asked, failures }).toEqual({ asked: [1, 2], failures: [1, 2] })
  })
})

describe('segment files under concurrent preparation', () => {
  const SEGMENT = 64 * 1024
  let directory: { path: string; remove: () => void }
  beforeEach(() => {
    directory = temporaryDirectory('segment-preparation')
  })
  afterEach(() => directory.remove())

  it('a segment the log has passed is recognised, a missing next one is not', () => {
    for (const index of [3, 4, 5]) preallocateSegment(directory.path, index, SEGMENT)
    retireSegment(directory.path, 3, 0)
    expect(segmentPassed(directory.path, 3)).toBe(true)
    expect(segmentPassed(directory.path, 4)).toBe(false)
    expect(segmentPassed(directory.path, 6)).toBe(false)
  })

  it('two segments prepared from spares never share a file', () => {
    for (const index of [0, 1, 2, 3]) preallocateSegment(directory.path, index, SEGMENT)
    retireSegment(directory.path, 0, 2)
    retireSegment(directory.path, 1, 2)
    expect(listSegments(directory.path).spares).toHaveLength(2)
    preallocateSegment(directory.path, 4, SEGMENT)
    preallocateSegment(directory.path, 5, SEGMENT)
    preallocateSegment(directory.path, 4, SEGMENT) // already there: takes no spare
    const inodes = [2, 3, 4, 5].map((index) => fs.statSync(segmentPath(directory.path, index)).ino)
    expect(new Set(inodes).size).toBe(4)
    expect(listSegments(directory.path).spares).toHaveLength(0)
    expect(fs.readdirSync(directory.path).filter((name) => name.endsWith('.tmp'))).toEqual([])
    expect(fs.statSync(join(directory.path, fs.readdirSync(directory.path)[0]!)).size).toBe(SEGMENT)
  })
})
