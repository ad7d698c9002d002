/** Every frame as a typed message: a discriminated union keyed by `type` (the opcode). */
import type { CompCode } from '../../errors.js'
import type {
  GetOptions,
  MessageDescriptor,
  OpenOptions,
  PutOptions,
  QueueAttributes,
  QueueStatus,
  RequestIdentity,
} from '../../queue/types.js'
import type { AuthMechanism, Opcode } from './opcodes.js'

/** GetOptions as they travel: the AbortSignal stays with the client and becomes a CANCEL. */
export type WireGetOptions = Omit<GetOptions, 'signal'>

interface FrameBase {
  readonly requestId: number
}
export interface HelloFrame extends FrameBase {
  readonly type: typeof Opcode.HELLO
  readonly minVersion: number
  readonly maxVersion: number
  /** Empty: whichever queue manager listens on the address. */
  readonly queueManager: string
  readonly clientName: string
  readonly heartbeatMs: number
  readonly authMechanism: AuthMechanism
  readonly credentials: Uint8Array
}
export interface GoodbyeFrame extends FrameBase {
  readonly type: typeof Opcode.GOODBYE
  readonly reason: number
}
export interface PingFrame extends FrameBase {
  readonly type: typeof Opcode.PING
}
export interface OpenFrame extends FrameBase {
  readonly type: typeof Opcode.OPEN
  readonly queueName: string
  readonly options: OpenOptions
}
export interface CloseHandleFrame extends FrameBase {
  readonly type: typeof Opcode.CLOSE_HANDLE
  readonly handle: number
}
export interface PutFrame extends FrameBase {
  readonly type: typeof Opcode.PUT
  readonly handle: number
  readonly options: PutOptions
  readonly body: Uint8Array
}
export interface GetFrame extends FrameBase {
  readonly type: typeof Opcode.GET
  readonly handle: number
  readonly options: WireGetOptions
}
export interface CommitFrame extends FrameBase {
  readonly type: typeof Opcode.COMMIT
  /** The COMMIT's request identity (FrameFlag.REQUEST_IDENTITY), from a reconnecting client. */
  readonly request?: RequestIdentity
}
export interface BackoutFrame extends FrameBase {
  readonly type: typeof Opcode.BACKOUT
}
export interface CancelFrame extends FrameBase {
  readonly type: typeof Opcode.CANCEL
  readonly targetRequestId: number
}
export interface AdminFrame extends FrameBase {
  readonly type: typeof Opcode.ADMIN
  readonly command: string
}
export interface QueryFrame extends FrameBase {
  readonly type: typeof Opcode.QUERY
  readonly queueName: string
}
export interface OkFrame extends FrameBase {
  readonly type: typeof Opcode.OK
}
export interface HelloOkFrame extends FrameBase {
  readonly type: typeof Opcode.HELLO_OK
  readonly version: number
  readonly queueManager: string
  readonly heartbeatMs: number
  readonly maxMessageBytes: number
  readonly connectionId: Uint8Array
}
export interface PongFrame extends FrameBase {
  readonly type: typeof Opcode.PONG
}
export interface OpenOkFrame extends FrameBase {
  readonly type: typeof Opcode.OPEN_OK
  readonly handle: number
}
export interface PutOkFrame extends FrameBase {
  readonly type: typeof Opcode.PUT_OK
  readonly descriptor: MessageDescriptor
}
export interface MessageFrame extends FrameBase {
  readonly type: typeof Opcode.MESSAGE
  readonly descriptor: MessageDescriptor
  readonly body: Uint8Array
}
export interface AdminResultFrame extends FrameBase {
  readonly type: typeof Opcode.ADMIN_RESULT
  readonly failedCount: number
  readonly lines: readonly string[]
}
export interface QueueInfoFrame extends FrameBase {
  readonly type: typeof Opcode.QUEUE_INFO
  readonly attributes: QueueAttributes
  readonly status: QueueStatus
}
export interface ErrorFrame extends FrameBase {
  readonly type: typeof Opcode.ERROR
  readonly compCode: typeof CompCode.WARNING | typeof CompCode.FAILED
  readonly reason: number
  readonly message: string
}

export type ClientMessage =
  | HelloFrame
  | GoodbyeFrame
  | PingFrame
  | OpenFrame
  | CloseHandleFrame
  | PutFrame
  | GetFrame
  | CommitFrame
  | BackoutFrame
  | CancelFrame
  | AdminFrame
  | QueryFrame
  | OkFrame
  | HelloOkFrame
  | PongFrame
  | OpenOkFrame
  | PutOkFrame
  | MessageFrame
  | AdminResultFrame
  | QueueInfoFrame
  | ErrorFrame
export type MessageOfType<T extends Opcode> = Extract<ClientMessage, { readonly type: T }>
