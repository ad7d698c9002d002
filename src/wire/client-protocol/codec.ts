/**
 * What each opcode's codec declares: who may send it, its exact largest payload, and the field
 * walk that both writes (FrameWriter, measuring then writing) and reads (PayloadReader) it.
 */
import { Reason } from '../../errors.js'
import type { FrameWriter } from './field-writer.js'
import type { PayloadReader } from './field-reader.js'
import type { IntegerField } from './fields.js'
import type { ClientMessage } from './frames.js'
import type { Sender } from './opcodes.js'

export interface PayloadCodec<M extends ClientMessage> {
  readonly sender: Sender | 'either'
  /** Whether the frame may carry request id 0, reserved for "answers no request". */
  readonly requestIdZeroAllowed: boolean
  /** The exact largest payload the fields can take; the parser caps frames by it. */
  readonly maxPayloadBytes: number
  /** What a server answers when a frame of this opcode is longer than its fields can be. */
  readonly oversizeReason: number
  /** May carry FrameFlag.REQUEST_IDENTITY (PUT, GET); its payload may then be that much longer. */
  readonly identifiable?: boolean
  write(writer: FrameWriter, message: M): void
  read(reader: PayloadReader): M
}
export type AnyCodec = PayloadCodec<ClientMessage>

export function emptyCodec<M extends ClientMessage>(
  type: M['type'],
  sender: Sender | 'either',
): PayloadCodec<M> {
  return {
    sender,
    requestIdZeroAllowed: false,
    maxPayloadBytes: 0,
    oversizeReason: Reason.UNEXPECTED_ERROR,
    write: () => {},
    read: (reader) => ({ type, requestId: reader.requestId }) as M,
  }
}

/** For messages whose payload is one u32 (handles and request ids). */
export function oneWordCodec<M extends ClientMessage>(
  sender: Sender | 'either',
  field: IntegerField,
  get: (message: M) => number,
  make: (requestId: number, value: number) => M,
  requestIdZeroAllowed = false,
): PayloadCodec<M> {
  return {
    sender,
    requestIdZeroAllowed,
    maxPayloadBytes: 4,
    oversizeReason: Reason.UNEXPECTED_ERROR,
    write: (writer, message) => writer.u32(field, get(message)),
    read: (reader) => make(reader.requestId, reader.u32(field)),
  }
}
