/**
 * Segment files of one journal directory. The log is one LSN space cut into fixed-size segments:
 * segment n holds LSNs [n * segmentBytes, (n + 1) * segmentBytes), so an LSN names its file and
 * offset with no index. Files are preallocated (zero-filled and synced) or recycled from deleted
 * segments before use, so the fdatasync of a write never also has to record the file's growth:
 * measured on this machine that saves about a third of the sync time (docs/architecture.md).
 * Recycled files keep stale records; the LSN stored in every record tells them apart.
 */
import fs from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { threadId } from 'node:worker_threads'
import { assert } from '../../assert.js'

const SEGMENT_SUFFIX = '.qlog'
const SPARE_PREFIX = 'spare-'
const NAME_DIGITS = 20
const ZERO_CHUNK_BYTES = 1024 * 1024
/** Something to Atomics.wait on for a synchronous pause (only in side-work threads). */
const PAUSE_CELL = new Int32Array(new SharedArrayBuffer(4))

export function segmentFileName(segmentIndex: number): string {
  assert(Number.isSafeInteger(segmentIndex) && segmentIndex >= 0, 'segment index')
  return `${String(segmentIndex).padStart(NAME_DIGITS, '0')}${SEGMENT_SUFFIX}`
}

export function segmentPath(directory: string, segmentIndex: number): string {
  return join(directory, segmentFileName(segmentIndex))
}

export interface SegmentListing {
  /** Indices of live segments, ascending. */
  readonly segments: readonly number[]
  /** Recycled files ready to become the next segment. */
  readonly spares: readonly string[]
}

export function listSegments(directory: string): SegmentListing {
  const segments: number[] = []
  const spares: string[] = []
  for (const name of fs.readdirSync(directory)) {
    if (name.startsWith(SPARE_PREFIX) && name.endsWith(SEGMENT_SUFFIX)) spares.push(name)
    const match = /^(\d{20})\.qlog$/.exec(name)
    if (match?.[1] !== undefined) segments.push(Number(match[1]))
  }
  segments.sort((left, right) => left - right)
  return { segments, spares: spares.sort() }
}

/** fsync of a directory makes a create, rename or unlink in it durable. */
export function syncDirectory(directory: string): void {
  const descriptor = fs.openSync(directory, 'r')
  try {
    fs.fsyncSync(descriptor)
  } finally {
    fs.closeSync(descriptor)
  }
}

/**
 * Makes segment `segmentIndex` exist, zero-filled (or recycled) and synced. Safe to race: the
 * journal worker and the side-work pool may both prepare the same segment, so the file is built
 * under a unique temporary name and published with link(), which fails if the name exists —
 * a rename() would silently replace a segment that is already being written.
 */
export interface PreallocationPace {
  /** Sync after every chunk and pause this long between chunks (background preparation). */
  readonly pauseMs: number
}

export function preallocateSegment(
  directory: string,
  segmentIndex: number,
  bytes: number,
  pace?: PreallocationPace,
): void {
  const target = segmentPath(directory, segmentIndex)
  if (fs.existsSync(target)) return
  const temporary = `${target}.${process.pid}.${threadId}.${randomBytes(4).toString('hex')}.tmp`
  for (const spare of listSegments(directory).spares) {
    // Claimed by rename first: two preparers of different segments could otherwise both link
    // the same spare, and two segments would share one file.
    if (!claim(join(directory, spare), temporary)) continue
    if (!publish(temporary, target)) fs.renameSync(temporary, join(directory, spare))
    syncDirectory(directory)
    return
  }
  const descriptor = fs.openSync(temporary, 'wx')
  try {
    const zeros = Buffer.alloc(Math.min(ZERO_CHUNK_BYTES, bytes))
    for (let offset = 0; offset < bytes; offset += zeros.length) {
      writeFully(descriptor, zeros, 0, Math.min(zeros.length, bytes - offset), offset)
      // In the background, a 64 MiB flush at the end would queue the journal's own fdatasyncs
      // behind it (measured: ~100 ms stalls); syncing chunk by chunk keeps writeback small.
      if (pace !== undefined) {
        fs.fdatasyncSync(descriptor)
        Atomics.wait(PAUSE_CELL, 0, 0, pace.pauseMs)
      }
    }
    fs.fdatasyncSync(descriptor)
  } finally {
    fs.closeSync(descriptor)
  }
  if (!publish(temporary, target)) fs.unlinkSync(temporary)
  syncDirectory(directory)
}

/** Renames `spare` to a name only this caller knows; false if another preparer took it. */
function claim(spare: string, claimed: string): boolean {
  try {
    fs.renameSync(spare, claimed)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw error
  }
}

/**
 * True when a later segment exists and `segmentIndex` does not: the journal has written past it
 * (and it may be retired already), so preparing it ahead would only re-create a dead segment.
 */
export function segmentPassed(directory: string, segmentIndex: number): boolean {
  const { segments } = listSegments(directory)
  const last = segments[segments.length - 1]
  return last !== undefined && last > segmentIndex && !segments.includes(segmentIndex)
}

/** Links `source` as `target` and removes `source`; false if `target` already exists. */
function publish(source: string, target: string): boolean {
  try {
    fs.linkSync(source, target)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return false
    throw error
  }
  fs.unlinkSync(source)
  return true
}

/** Keeps up to `sparesKept` retired segments for reuse and deletes the rest. */
export function retireSegment(directory: string, segmentIndex: number, sparesKept: number): void {
  const source = segmentPath(directory, segmentIndex)
  if (listSegments(directory).spares.length < sparesKept) {
    fs.renameSync(source, join(directory, `${SPARE_PREFIX}${segmentFileName(segmentIndex)}`))
  } else {
    fs.unlinkSync(source)
  }
}

/** fs.writeSync may write less than asked; loop until everything is written. */
export function writeFully(
  descriptor: number,
  buffer: Uint8Array,
  offset: number,
  length: number,
  position: number,
): void {
  let written = 0
  while (written < length) {
    const count = fs.writeSync(
      descriptor,
      buffer,
      offset + written,
      length - written,
      position + written,
    )
    assert(count > 0, 'write made no progress')
    written += count
  }
}

/** fs.readSync may return less than asked; returns the bytes actually read (short at EOF). */
export function readFully(
  descriptor: number,
  buffer: Uint8Array,
  offset: number,
  length: number,
  position: number,
): number {
  let total = 0
  while (total < length) {
    const count = fs.readSync(descriptor, buffer, offset + total, length - total, position + total)
    if (count === 0) break
    total += count
  }
  return total
}
