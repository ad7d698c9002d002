/**
 * A unit of work: the messages put and gotten under syncpoint by one connection (or, after a
 * crash, recovered from the journal) until commit or backout. Persistent and non-persistent
 * operations share one unit of work; only persistent ones give it a journal presence (uowId).
 *
 * uowId: record-types.ts asks for an id unique for the life of the log, so that it never collides
 * with a unit of work cut off by a crash, and names the LSN of the first record. A record's LSN is
 * only known once append() returns, after the record (uowId included) is encoded, so the engine
 * uses the nearest value it can know in advance: the first 8-aligned position after the last
 * record it applied (lastAppliedLsn + 8). That is never 0, never above the first record's own LSN
 * (a record is at least 40 bytes), and strictly increasing: the next unit of work starts after
 * this one's first record was applied. Replay needs no marker of "first record": an unknown
 * uowId opens a unit of work.
 */
import { assert } from '../assert.js'
import type { LocalQueue } from './local-queue.js'

export const UnitOfWorkOperation = { PUT: 0, GET: 1 } as const
export type UnitOfWorkOperation = (typeof UnitOfWorkOperation)[keyof typeof UnitOfWorkOperation]

export class UnitOfWork {
  /** 0 until the unit of work writes its first journal record. */
  uowId = 0
  private readonly queues: LocalQueue[] = []
  private readonly slots: number[] = []
  private readonly operations: UnitOfWorkOperation[] = []
  private settled = false

  /** `owner` is the live connection; undefined for a unit of work found by recovery. */
  constructor(readonly owner: object | undefined) {}

  get operationCount(): number {
    return this.slots.length
  }

  get journalled(): boolean {
    return this.uowId !== 0
  }

  add(queue: LocalQueue, slot: number, operation: UnitOfWorkOperation): void {
    assert(!this.settled, 'unit of work: no operations after commit or backout')
    this.queues.push(queue)
    this.slots.push(slot)
    this.operations.push(operation)
  }

  /** Calls `visit` for every operation, in the order they were made. */
  forEach(visit: (queue: LocalQueue, slot: number, operation: UnitOfWorkOperation) => void): void {
    for (let index = 0; index < this.slots.length; index++) {
      visit(this.queues[index]!, this.slots[index]!, this.operations[index]!)
    }
  }

  /** Puts become visible; gotten messages are removed. */
  commit(): void {
    this.settle()
    this.forEach((queue, slot, operation) => {
      if (operation === UnitOfWorkOperation.PUT) queue.commitPut(slot)
      else queue.remove(slot)
    })
  }

  /** Puts are removed; gotten messages return to their places with BackoutCount + 1. */
  backout(): void {
    this.settle()
    this.forEach((queue, slot, operation) => {
      if (operation === UnitOfWorkOperation.PUT) queue.remove(slot)
      else queue.restoreGotten(slot)
    })
  }

  private settle(): void {
    assert(!this.settled, 'unit of work: settled once')
    this.settled = true
  }
}
