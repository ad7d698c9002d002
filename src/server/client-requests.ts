/**
 * The engine calls behind each request of a connected client, and the reply frame each one
 * makes. The session decides when a request runs and where its reply goes; this file only
 * maps frames to the engine (MQOPEN, MQPUT, MQGET, MQCMIT, MQBACK, MQCLOSE, MQINQ, MQSC).
 *
 * Ordering contract the session relies on: every method here performs its engine call
 * synchronously, before returning. The engine applies a put, a get, a commit or a backout in
 * that same synchronous call (appendAndApply) and only then awaits durability, so requests
 * started one after another in arrival order take effect in arrival order, while their
 * durability waits overlap (one group commit covers many of them).
 */
import { MQError, Reason } from '../errors.js'
import type { Connection, QueueEngine } from '../queue/engine.js'
import type { GetOptions, MessageDescriptor, RequestIdentity } from '../queue/types.js'
import {
  GET_WAIT_UNLIMITED_MS,
  Opcode,
  type AdminFrame,
  type AdminResultFrame,
  type CloseHandleFrame,
  type GetFrame,
  type MessageFrame,
  type OkFrame,
  type OpenFrame,
  type OpenOkFrame,
  type PutFrame,
  type QueryFrame,
  type QueueInfoFrame,
} from '../wire/client-protocol.js'
import { logicalCommands } from '../mqsc/script.js'
import { permissionForMqsc, type ObjectType, type Permission } from '../security/authority.js'
import { adminResultFrame, type AdminFunction } from './admin-result.js'
import type { HandleTable } from './handle-table.js'

/** MQGET's MQWI_UNLIMITED as the engine spells it. */
const ENGINE_WAIT_UNLIMITED = -1

export interface RequestContext {
  readonly engine: QueueEngine
  readonly connection: Connection
  readonly handles: HandleTable
  readonly admin: AdminFunction | undefined
  /**
   * Throws 2035 NOT_AUTHORIZED when the connection's user lacks a permission (src/security/).
   * For 'qmgr' the name is ignored: it is the served queue manager.
   */
  readonly authorize?: Authorize
}

export type Authorize = (
  objectType: ObjectType,
  name: string,
  needed: readonly Permission[],
) => void

/** MQOPEN's options as the permissions MQ checks for them. */
function permissionsForOpen(options: OpenFrame['options']): Permission[] {
  const needed: Permission[] = []
  if (options.output === true) needed.push('put')
  if (options.input === true) needed.push('get')
  if (options.browse === true) needed.push('browse')
  return needed
}

/** How the session serves one GET: its wait's signal, its credit, the wait left. */
export interface ServedGetOptions {
  readonly signal: AbortSignal | undefined
  readonly reserve: (bodyBytes: number) => void
  readonly waitMs: number | undefined
}

export class ClientRequests {
  constructor(private readonly context: RequestContext) {}

  open(frame: OpenFrame): OpenOkFrame {
    this.context.authorize?.('queue', frame.queueName, permissionsForOpen(frame.options))
    const handle = this.context.connection.open(frame.queueName, frame.options)
    let id: number
    try {
      id = this.context.handles.add(handle)
    } catch (error) {
      handle.close()
      throw error
    }
    return { type: Opcode.OPEN_OK, requestId: frame.requestId, handle: id }
  }

  closeHandle(frame: CloseHandleFrame): OkFrame {
    this.context.handles.close(frame.handle)
    return ok(frame.requestId)
  }

  /**
   * MQPUT; the session makes the PUT_OK itself when the descriptor comes, so a put costs no
   * promise beyond the engine's (see the session's servePut).
   */
  put(frame: PutFrame): Promise<MessageDescriptor> {
    // The engine copies the body before put returns, so the parser's chunk is not kept.
    return this.context.handles.get(frame.handle).put(frame.body, frame.options)
  }

  /** MQGET; `served.waitMs` replaces the frame's (what is left of it when issued again). */
  get(frame: GetFrame, served: ServedGetOptions): Promise<MessageFrame> {
    const { waitMs } = served
    const options: GetOptions = {
      ...frame.options,
      waitMs: waitMs === GET_WAIT_UNLIMITED_MS ? ENGINE_WAIT_UNLIMITED : waitMs,
      signal: served.signal,
      reserve: served.reserve,
    }
    const got = this.context.handles.get(frame.handle).get(options)
    return got.then(({ descriptor, body }) => ({
      type: Opcode.MESSAGE,
      requestId: frame.requestId,
      descriptor,
      body,
    }))
  }

  commit(requestId: number, request?: RequestIdentity): Promise<OkFrame> {
    return this.context.connection.commit(request).then(() => ok(requestId))
  }

  backout(requestId: number): Promise<OkFrame> {
    return this.context.connection.backout().then(() => ok(requestId))
  }

  query(frame: QueryFrame): QueueInfoFrame {
    const { engine } = this.context
    this.context.authorize?.('queue', frame.queueName, ['inq'])
    return {
      type: Opcode.QUEUE_INFO,
      requestId: frame.requestId,
      attributes: engine.queueAttributes(frame.queueName),
      status: engine.queueStatus(frame.queueName),
    }
  }

  async admin(frame: AdminFrame): Promise<AdminResultFrame> {
    const admin = this.context.admin
    if (admin === undefined) {
      throw new MQError(Reason.NOT_AUTHORIZED, 'ADMIN is not enabled on this server')
    }
    const authorize = this.context.authorize
    if (authorize !== undefined) {
      const needed = new Set(logicalCommands(frame.command).map(permissionForMqsc))
      authorize('qmgr', '', [...needed])
    }
    return adminResultFrame(frame.requestId, await admin(frame.command))
  }
}

function ok(requestId: number): OkFrame {
  return { type: Opcode.OK, requestId }
}
