/**
 * Requests in flight on one session, by request id. Ids are u32s handed out in turn, wrapping
 * from 2^32-1 to 1: 0 is never used (the protocol reserves it for frames answering nothing) and
 * neither is an id still waiting for its reply, so a reply always names exactly one request.
 */
import { assert } from '../assert.js'

const REQUEST_ID_MAX = 0xffff_ffff

export class RequestTable<Entry> {
  private readonly entries = new Map<number, Entry>()
  private lastId: number

  /** `lastId` lets tests start next to the wrap. */
  constructor(lastId = 0) {
    assert(Number.isInteger(lastId), 'request table: an integer last id')
    assert(lastId >= 0 && lastId <= REQUEST_ID_MAX, 'request table: last id is a u32')
    this.lastId = lastId
  }

  get size(): number {
    return this.entries.size
  }

  /** The next id that is neither 0 nor in flight. The table must not be full (it never is). */
  allocateId(): number {
    assert(this.entries.size < REQUEST_ID_MAX, 'request table: a free id exists')
    let id = this.lastId
    do {
      id = id === REQUEST_ID_MAX ? 1 : id + 1
    } while (this.entries.has(id))
    this.lastId = id
    return id
  }

  add(requestId: number, entry: Entry): void {
    assert(requestId !== 0, 'request table: id 0 answers nothing')
    assert(!this.entries.has(requestId), 'request table: one request per id')
    this.entries.set(requestId, entry)
  }

  get(requestId: number): Entry | undefined {
    return this.entries.get(requestId)
  }

  /** Removes and returns the request `requestId` names, if it is in flight. */
  take(requestId: number): Entry | undefined {
    const entry = this.entries.get(requestId)
    if (entry !== undefined) this.entries.delete(requestId)
    return entry
  }

  /** Removes and returns every request, oldest first. */
  takeAll(): Entry[] {
    const all = [...this.entries.values()]
    this.entries.clear()
    return all
  }

  values(): IterableIterator<Entry> {
    return this.entries.values()
  }
}
