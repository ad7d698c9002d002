/**
 * The journal's disk, as the journal loop, the segment writer and recovery see it: open, read,
 * write, fdatasync and truncate of segment files, named by segment index. Injected, so one loop
 * runs on real files (file-segment-io.ts), in tests on an in-memory disk that can fail or crash
 * (memory-segment-io.ts), and later in the deterministic simulator; faults are injected by
 * wrapping an implementation, never by hooks in the loop.
 *
 * Calls are synchronous: the journal worker does nothing else while it waits for the disk, and a
 * simulator can decide the outcome of every call in order. Errors are thrown as errno-style
 * errors (`code` and `syscall` set), which the loop treats as fatal and never retries.
 */
export interface SegmentIo {
  /** Indices of the segments that exist, ascending. */
  list(): number[]
  /**
   * Opens segment `index` for reading and writing and returns a descriptor. With `create`, a
   * missing segment is prepared first (zero-filled and synced: a stall, not an error); without,
   * a missing segment is an ENOENT error.
   */
  open(index: number, create: boolean): number
  /** Reads up to `length` bytes at `position` into buffer[offset...]; short only at the end. */
  read(
    descriptor: number,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): number
  /** Writes buffer[offset, offset + length) at `position`, all of it. */
  write(
    descriptor: number,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): void
  /** Makes every write to this segment so far durable. */
  fdatasync(descriptor: number): void
  /**
   * Cuts the segment's contents from `position` on: [position, end) reads as zeros afterwards.
   * The file keeps its preallocated size (giving the blocks back would make the next write grow
   * the file, and its fdatasync record the growth). Not durable until fdatasync.
   */
  truncate(descriptor: number, position: number, end: number): void
  close(descriptor: number): void
  /** How errors name segment `index` (its file path on disk). */
  describe(index: number): string
}
