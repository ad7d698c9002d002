/**
 * Cumulative I/O counters of one server, shared by its sessions: what the fast path does per
 * message (socket reads, frames, replies, socket writes). Benchmarks divide them by the
 * messages sent to see how many reads and writes each message costs and how well a turn batches.
 * Plain increments on the event loop: cheap enough to keep on in production.
 */
export class ServerIoCounters {
  /** 'data' events taken from sockets (one read each, up to 64 KiB). */
  socketReads = 0
  bytesRead = 0
  /** Frames handed out by the parsers and dispatched. */
  framesDispatched = 0
  /** Times dispatch stopped at SERVER_FRAMES_PER_TURN and resumed on a later turn. */
  turnYields = 0
  /** Reply frames queued. */
  repliesQueued = 0
  /** Corked flushes of an outbox (one writev each, whatever the number of replies). */
  socketWrites = 0
  bytesWritten = 0

  snapshot(): IoCounts {
    return {
      socketReads: this.socketReads,
      bytesRead: this.bytesRead,
      framesDispatched: this.framesDispatched,
      turnYields: this.turnYields,
      repliesQueued: this.repliesQueued,
      socketWrites: this.socketWrites,
      bytesWritten: this.bytesWritten,
    }
  }
}

export interface IoCounts {
  readonly socketReads: number
  readonly bytesRead: number
  readonly framesDispatched: number
  readonly turnYields: number
  readonly repliesQueued: number
  readonly socketWrites: number
  readonly bytesWritten: number
}
