/**
 * Unit-of-work frames: COMMIT (MQCMIT) and BACKOUT (MQBACK), both answered OK. A COMMIT from a
 * client that reconnects names its request (FrameFlag.REQUEST_IDENTITY, the identity as the
 * whole payload), so that after a failover the same COMMIT sent again is answered with what the
 * first one did: committed (OK), or 2003 if the unit of work was backed out.
 */
import { Reason } from '../../errors.js'
import { emptyCodec, type PayloadCodec } from './codec.js'
import type { BackoutFrame, CommitFrame } from './frames.js'
import { Opcode } from './opcodes.js'
import { readRequestIdentity, writeRequestIdentity } from './request-identity.js'

export const commitCodec: PayloadCodec<CommitFrame> = {
  sender: 'client',
  requestIdZeroAllowed: false,
  maxPayloadBytes: 0,
  oversizeReason: Reason.UNEXPECTED_ERROR,
  identifiable: true,
  write: (writer, message) => writeRequestIdentity(writer, message.request),
  read: (reader) => {
    const request = readRequestIdentity(reader)
    const frame = { type: Opcode.COMMIT, requestId: reader.requestId } as const
    return request === undefined ? frame : { ...frame, request }
  },
}
export const backoutCodec = emptyCodec<BackoutFrame>(Opcode.BACKOUT, 'client')
