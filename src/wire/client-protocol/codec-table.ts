/** Every opcode's codec, by opcode: the one table the encoder, parser and decoder consult. */
import { assert } from '../../assert.js'
import { CLIENT_FRAME_HEADER_BYTES, MAX_CLIENT_FRAME_BYTES } from '../../constants.js'
import { adminCodec, adminResultCodec, queryCodec, queueInfoCodec } from './admin.js'
import type { AnyCodec, PayloadCodec } from './codec.js'
import { errorCodec } from './error-frame.js'
import type { MessageOfType } from './frames.js'
import { goodbyeCodec, helloCodec, helloOkCodec, pingCodec, pongCodec } from './handshake.js'
import {
  cancelCodec,
  closeHandleCodec,
  getCodec,
  messageCodec,
  okCodec,
  openCodec,
  openOkCodec,
  putCodec,
  putOkCodec,
} from './messaging.js'
import { Opcode, opcodeName } from './opcodes.js'
import { backoutCodec, commitCodec } from './unit-of-work.js'

const codecs: { readonly [K in Opcode]: PayloadCodec<MessageOfType<K>> } = {
  [Opcode.HELLO]: helloCodec,
  [Opcode.GOODBYE]: goodbyeCodec,
  [Opcode.PING]: pingCodec,
  [Opcode.OPEN]: openCodec,
  [Opcode.CLOSE_HANDLE]: closeHandleCodec,
  [Opcode.PUT]: putCodec,
  [Opcode.GET]: getCodec,
  [Opcode.COMMIT]: commitCodec,
  [Opcode.BACKOUT]: backoutCodec,
  [Opcode.CANCEL]: cancelCodec,
  [Opcode.ADMIN]: adminCodec,
  [Opcode.QUERY]: queryCodec,
  [Opcode.OK]: okCodec,
  [Opcode.HELLO_OK]: helloOkCodec,
  [Opcode.PONG]: pongCodec,
  [Opcode.OPEN_OK]: openOkCodec,
  [Opcode.PUT_OK]: putOkCodec,
  [Opcode.MESSAGE]: messageCodec,
  [Opcode.ADMIN_RESULT]: adminResultCodec,
  [Opcode.QUEUE_INFO]: queueInfoCodec,
  [Opcode.ERROR]: errorCodec,
}

// Indexed by opcode byte. The cast is the one place the table's per-opcode typing is given up:
// TypeScript cannot follow that codecs[m.type] and m belong together (a correlated union).
export const codecByOpcode: readonly (AnyCodec | undefined)[] = (() => {
  const table = new Array<AnyCodec | undefined>(256).fill(undefined)
  for (const opcode of Object.values(Opcode)) {
    table[opcode] = codecs[opcode] as unknown as AnyCodec
  }
  return table
})()

for (const opcode of Object.values(Opcode)) {
  const limit = codecs[opcode].maxPayloadBytes
  assert(CLIENT_FRAME_HEADER_BYTES - 4 + limit <= MAX_CLIENT_FRAME_BYTES, 'payload fits a frame')
}

export function codecFor(opcode: number): AnyCodec {
  const codec = codecByOpcode[opcode]
  assert(codec !== undefined, `no codec for opcode ${opcodeName(opcode)}`)
  return codec
}

/** The largest payload the opcode's fields can take (exact; tests hold it to that). */
export function maxPayloadBytesOf(opcode: Opcode): number {
  return codecFor(opcode).maxPayloadBytes
}
