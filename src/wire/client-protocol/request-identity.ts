/**
 * The request identity a PUT, GET or COMMIT may carry (FrameFlag.REQUEST_IDENTITY in the
 * header): the client's random id and the request's sequence number, first in the payload (a
 * COMMIT's whole payload). The server hands it to the engine, which answers a request it has
 * seen with the first outcome (src/queue/outcome-table.ts).
 * | offset | width | field           | range                                             |
 * |--------|-------|-----------------|---------------------------------------------------|
 * |      0 | 16    | requestClient   | any bytes                                         |
 * |     16 | u64   | requestSequence | 1..2^53-1                                         |
 */
import { REQUEST_CLIENT_ID_BYTES } from '../../constants.js'
import { Reason } from '../../errors.js'
import type { RequestIdentity } from '../../queue/types.js'
import type { PayloadReader } from './field-reader.js'
import type { FrameWriter } from './field-writer.js'
import { integer, type IdField } from './fields.js'
import type { ClientMessage } from './frames.js'
import { FrameFlag, Opcode, REQUEST_IDENTITY_BYTES } from './opcodes.js'

const REQUEST_CLIENT: IdField = { name: 'requestClient', reason: Reason.UNEXPECTED_ERROR }
const REQUEST_SEQUENCE = integer(
  'requestSequence',
  1,
  Number.MAX_SAFE_INTEGER,
  Reason.UNEXPECTED_ERROR,
)

/** The identity `message` carries, if it is a PUT, GET or COMMIT that names its request. */
export function requestIdentityOf(message: ClientMessage): RequestIdentity | undefined {
  if (message.type === Opcode.PUT || message.type === Opcode.GET) return message.options.request
  if (message.type === Opcode.COMMIT) return message.request
  return undefined
}

/** The header flags `message` is sent with. */
export function frameFlagsOf(message: ClientMessage): number {
  return requestIdentityOf(message) === undefined ? 0 : FrameFlag.REQUEST_IDENTITY
}

export function writeRequestIdentity(
  writer: FrameWriter,
  request: RequestIdentity | undefined,
): void {
  if (request === undefined) return
  writer.fixedBytes(REQUEST_CLIENT, request.client, REQUEST_CLIENT_ID_BYTES)
  writer.u64(REQUEST_SEQUENCE, request.sequence)
}

/** The identity at the start of the payload when the header flags one, else undefined. */
export function readRequestIdentity(reader: PayloadReader): RequestIdentity | undefined {
  if ((reader.headerFlags & FrameFlag.REQUEST_IDENTITY) === 0) return undefined
  const client = reader.fixedBytes(REQUEST_CLIENT_ID_BYTES, REQUEST_CLIENT.name)
  const sequence = reader.u64(REQUEST_SEQUENCE)
  return { client, sequence }
}

export { REQUEST_IDENTITY_BYTES }
