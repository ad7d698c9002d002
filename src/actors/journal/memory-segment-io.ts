/**
 * SegmentIo in memory, for tests and the deterministic simulator: every segment is a page cache
 * (what reads see) over a disk (what survives a crash). write() changes the cache only,
 * fdatasync() copies the segment's cache to its disk, crash() throws the cache away. No Node
 * I/O, no clock, no randomness: outcomes depend only on the calls made.
 *
 * Faults are injected by wrapping this (or the file implementation) in another SegmentIo.
 */
import { assert } from '../../assert.js'
import type { SegmentIo } from './segment-io.js'

interface MemorySegment {
  cache: Uint8Array
  disk: Uint8Array
}

export class MemorySegmentIo implements SegmentIo {
  private readonly segments = new Map<number, MemorySegment>()
  /** descriptor → segment index; descriptors are never reused. */
  private readonly open_ = new Map<number, number>()
  private nextDescriptor = 3

  constructor(private readonly segmentBytes: number) {}

  list(): number[] {
    return [...this.segments.keys()].sort((left, right) => left - right)
  }

  open(index: number, create: boolean): number {
    if (!this.segments.has(index)) {
      if (!create) throw errnoError('ENOENT', 'open', this.describe(index))
      // A prepared segment is zero-filled and synced before it is used (segment-files.ts).
      const empty = new Uint8Array(this.segmentBytes)
      this.segments.set(index, { cache: empty, disk: empty.slice() })
    }
    const descriptor = this.nextDescriptor++
    this.open_.set(descriptor, index)
    return descriptor
  }

  read(descriptor: number, buffer: Uint8Array, offset: number, length: number, position: number) {
    const cache = this.segmentOf(descriptor).cache
    const count = Math.max(0, Math.min(length, cache.length - position))
    buffer.set(cache.subarray(position, position + count), offset)
    return count
  }

  write(descriptor: number, buffer: Uint8Array, offset: number, length: number, position: number) {
    const segment = this.segmentOf(descriptor)
    assert(position + length <= segment.cache.length, 'write inside the segment')
    segment.cache.set(buffer.subarray(offset, offset + length), position)
  }

  fdatasync(descriptor: number): void {
    const segment = this.segmentOf(descriptor)
    segment.disk.set(segment.cache)
  }

  truncate(descriptor: number, position: number, end: number): void {
    this.segmentOf(descriptor).cache.fill(0, position, end)
  }

  close(descriptor: number): void {
    assert(this.open_.delete(descriptor), 'close of an open descriptor')
  }

  describe(index: number): string {
    return `memory segment ${index}`
  }

  /** Power loss: every write not yet synced is gone, and every descriptor with it. */
  crash(): void {
    this.open_.clear()
    for (const segment of this.segments.values()) segment.cache = segment.disk.slice()
  }

  /** The bytes a reader sees now (tests damage or inspect them in place). */
  cacheOf(index: number): Uint8Array {
    const segment = this.segments.get(index)
    assert(segment !== undefined, `segment ${index} exists`)
    return segment.cache
  }

  private segmentOf(descriptor: number): MemorySegment {
    const index = this.open_.get(descriptor)
    if (index === undefined) throw errnoError('EBADF', 'segment', `descriptor ${descriptor}`)
    return this.segments.get(index)!
  }
}

function errnoError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${syscall} ${path}`), { code, syscall, path })
}
