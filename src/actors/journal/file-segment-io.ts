/**
 * SegmentIo on real files: the journal worker's disk, and the disk tests build logs on.
 */
import fs from 'node:fs'
import { preallocateSegment, segmentPath, writeFully } from './segment-files.js'
import type { SegmentIo } from './segment-writer.js'

export interface FileSegmentIoHooks {
  /** A segment was opened for writing (the handle prepares the next one). */
  readonly onOpen?: (segmentIndex: number) => void
  /** Runs before each write; may throw to simulate a failing disk. */
  readonly beforeWrite?: () => void
  /** Receives the duration of each fdatasync. */
  readonly onSync?: (micros: number) => void
}

export function fileSegmentIo(
  directory: string,
  segmentBytes: number,
  hooks: FileSegmentIoHooks = {},
): SegmentIo {
  return {
    open(index) {
      const file = segmentPath(directory, index)
      // Normally prepared ahead by the side-work pool; if not, prepare it now:
      // a stall, not an error.
      if (!fs.existsSync(file)) preallocateSegment(directory, index, segmentBytes)
      hooks.onOpen?.(index)
      return fs.openSync(file, 'r+')
    },
    write(descriptor, buffer, length, position) {
      hooks.beforeWrite?.()
      writeFully(descriptor, buffer, 0, length, position)
    },
    sync(descriptor) {
      const started = process.hrtime.bigint()
      fs.fdatasyncSync(descriptor)
      hooks.onSync?.(Number(process.hrtime.bigint() - started) / 1000)
    },
    close(descriptor) {
      fs.closeSync(descriptor)
    },
  }
}
