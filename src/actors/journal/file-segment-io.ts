/**
 * SegmentIo on real files: the journal worker's disk, recovery's, and the disk tests build logs
 * on. Observers (not fault hooks) report what the handle and the statistics need to know.
 */
import fs from 'node:fs'
import {
  listSegments,
  preallocateSegment,
  readFully,
  segmentPath,
  writeFully,
} from './segment-files.js'
import type { SegmentIo } from './segment-io.js'

export interface FileSegmentIoObserver {
  /** A segment was opened for writing (the handle prepares the next one). */
  readonly onOpen?: (segmentIndex: number) => void
  /** Receives the duration of each fdatasync. */
  readonly onSync?: (micros: number) => void
}

const ZERO_CHUNK_BYTES = 1024 * 1024

export function fileSegmentIo(
  directory: string,
  segmentBytes: number,
  observer: FileSegmentIoObserver = {},
): SegmentIo {
  return {
    list: () => [...listSegments(directory).segments],
    open(index, create) {
      const file = segmentPath(directory, index)
      if (create) {
        // Normally prepared ahead by the side-work pool; if not, prepare it now.
        if (!fs.existsSync(file)) preallocateSegment(directory, index, segmentBytes)
        observer.onOpen?.(index)
      }
      return fs.openSync(file, 'r+')
    },
    read: (descriptor, buffer, offset, length, position) =>
      readFully(descriptor, buffer, offset, length, position),
    write(descriptor, buffer, offset, length, position) {
      writeFully(descriptor, buffer, offset, length, position)
    },
    fdatasync(descriptor) {
      if (observer.onSync === undefined) {
        fs.fdatasyncSync(descriptor)
        return
      }
      const started = process.hrtime.bigint()
      fs.fdatasyncSync(descriptor)
      observer.onSync(Number(process.hrtime.bigint() - started) / 1000)
    },
    truncate(descriptor, position, end) {
      const zeros = Buffer.alloc(Math.min(ZERO_CHUNK_BYTES, Math.max(0, end - position)))
      for (let at = position; at < end; at += zeros.length) {
        writeFully(descriptor, zeros, 0, Math.min(zeros.length, end - at), at)
      }
    },
    close(descriptor) {
      fs.closeSync(descriptor)
    },
    describe: (index) => segmentPath(directory, index),
  }
}
