/**
 * Side work run in the piscina pool, off the main thread and off the journal worker: the slow,
 * bulky file jobs that must never sit on the path of a put (zero-filling a 64 MiB segment,
 * writing a checkpoint of a million messages). Each export is one task, chosen by name.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import {
  preallocateSegment,
  segmentPassed,
  syncDirectory,
  writeFully,
} from '../actors/journal/segment-files.js'
import { SEGMENT_PREPARATION_PAUSE_MS } from '../constants.js'

export interface PrepareSegmentTask {
  readonly directory: string
  readonly segmentIndex: number
  readonly segmentBytes: number
}

/** Ahead of need and paced, so the journal's fdatasyncs never wait behind a 64 MiB flush. */
export function prepareSegment(task: PrepareSegmentTask): void {
  if (segmentPassed(task.directory, task.segmentIndex)) return
  preallocateSegment(task.directory, task.segmentIndex, task.segmentBytes, {
    pauseMs: SEGMENT_PREPARATION_PAUSE_MS,
  })
}

export interface WriteFileTask {
  readonly directory: string
  readonly name: string
  readonly bytes: Uint8Array
}

/** Temporary name, sync, rename, sync the directory: the file appears whole or not at all. */
export function writeFileDurably(task: WriteFileTask): void {
  const target = join(task.directory, task.name)
  const temporary = `${target}.tmp`
  const descriptor = fs.openSync(temporary, 'w')
  try {
    writeFully(descriptor, task.bytes, 0, task.bytes.length, 0)
    fs.fsyncSync(descriptor)
  } finally {
    fs.closeSync(descriptor)
  }
  fs.renameSync(temporary, target)
  syncDirectory(task.directory)
}
