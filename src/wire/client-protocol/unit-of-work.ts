/** Unit-of-work frames: COMMIT (MQCMIT) and BACKOUT (MQBACK), both answered OK. */
import { emptyCodec } from './codec.js'
import type { BackoutFrame, CommitFrame } from './frames.js'
import { Opcode } from './opcodes.js'

export const commitCodec = emptyCodec<CommitFrame>(Opcode.COMMIT, 'client')
export const backoutCodec = emptyCodec<BackoutFrame>(Opcode.BACKOUT, 'client')
