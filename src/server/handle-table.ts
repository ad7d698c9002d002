/**
 * The queue handles (MQOPEN results) of one client connection, under the u32 ids that travel
 * in OPEN_OK, PUT, GET and CLOSE_HANDLE. Ids count up from 1 and wrap past 2^32 - 1, skipping
 * ids still in use, so a long-lived connection that opens and closes forever never runs out and
 * a stale id is not reused while the table is far from full.
 */
import { assert } from '../assert.js'
import { SERVER_MAX_HANDLES_PER_CONNECTION } from '../constants.js'
import { MQError, Reason } from '../errors.js'
import type { QueueHandle } from '../queue/engine.js'

const HANDLE_ID_MAX = 0xffff_ffff

export class HandleTable {
  private readonly handles = new Map<number, QueueHandle>()
  private lastId = 0

  constructor(private readonly capacity = SERVER_MAX_HANDLES_PER_CONNECTION) {
    assert(Number.isInteger(capacity) && capacity > 0, 'handle table: capacity > 0')
    assert(capacity <= HANDLE_ID_MAX, 'handle table: capacity fits the u32 id space')
  }

  get size(): number {
    return this.handles.size
  }

  /** Registers an open handle and returns its id; 2017 when the connection holds MAXHANDS. */
  add(handle: QueueHandle): number {
    if (this.handles.size >= this.capacity) {
      throw new MQError(
        Reason.HANDLE_NOT_AVAILABLE,
        `a connection holds at most ${this.capacity} open handles`,
      )
    }
    let id = this.lastId
    do {
      id = id === HANDLE_ID_MAX ? 1 : id + 1
    } while (this.handles.has(id))
    this.lastId = id
    this.handles.set(id, handle)
    assert(id >= 1 && id <= HANDLE_ID_MAX, 'handle table: ids are u32 and never 0')
    return id
  }

  /** The handle under `id`; 2019 (HOBJ_ERROR) if there is none, as MQ answers a bad Hobj. */
  get(id: number): QueueHandle {
    const handle = this.handles.get(id)
    if (handle === undefined) {
      throw new MQError(Reason.HOBJ_ERROR, `handle ${id} is not open on this connection`)
    }
    return handle
  }

  /** MQCLOSE: removes and closes the handle (a get waiting on it is answered 2019). */
  close(id: number): void {
    const handle = this.get(id)
    this.handles.delete(id)
    handle.close()
  }

  /** Forgets every id; the engine connection closes the handles themselves. */
  clear(): void {
    this.handles.clear()
  }
}
