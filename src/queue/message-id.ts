/**
 * MsgId and CorrelId helpers: generation of unique MsgIds, the 32-bit hash kept per message for
 * matching without reading the journal, and comparison.
 *
 * A generated MsgId follows MQ's shape: 'AMQ ', then the queue-manager name (first
 * MESSAGE_ID_NAME_BYTES bytes, space padded), then 12 bytes that make it unique: 4 random bytes
 * drawn once per engine start (so two runs never collide) and a 64-bit counter.
 */
import { assert } from '../assert.js'
import { MESSAGE_ID_BYTES, MESSAGE_ID_NAME_BYTES } from '../constants.js'

const PREFIX = 'AMQ '
const INSTANCE_BYTES = 4
const COUNTER_OFFSET = PREFIX.length + MESSAGE_ID_NAME_BYTES + INSTANCE_BYTES
const SPACE = 0x20
const UINT32_RANGE = 0x1_0000_0000
const FNV_OFFSET_BASIS = 0x811c9dc5
const FNV_PRIME = 0x01000193

/** MQMI_NONE / MQCI_NONE: 24 zero bytes. Never mutate. */
export const MESSAGE_ID_NONE: Uint8Array = new Uint8Array(MESSAGE_ID_BYTES)

export function isNoneId(id: Uint8Array): boolean {
  for (let index = 0; index < id.length; index++) if (id[index] !== 0) return false
  return true
}

export function idsEqual(left: Uint8Array, right: Uint8Array): boolean {
  if (left.length !== right.length) return false
  for (let index = 0; index < left.length; index++) if (left[index] !== right[index]) return false
  return true
}

/** FNV-1a, 32 bits: cheap, and good enough that a false match costs one journal read. */
export function hashId(id: Uint8Array): number {
  let hash = FNV_OFFSET_BASIS
  for (let index = 0; index < id.length; index++) {
    hash = Math.imul(hash ^ id[index]!, FNV_PRIME)
  }
  return hash >>> 0
}

export class MessageIdGenerator {
  private readonly template = new Uint8Array(MESSAGE_ID_BYTES)
  private counter = 0

  constructor(queueManagerName: string, randomBytes: (count: number) => Uint8Array) {
    const random = randomBytes(INSTANCE_BYTES)
    assert(random.length === INSTANCE_BYTES, 'message ids: random source gave 4 bytes')
    for (let index = 0; index < PREFIX.length; index++) {
      this.template[index] = PREFIX.charCodeAt(index)
    }
    for (let index = 0; index < MESSAGE_ID_NAME_BYTES; index++) {
      const code = queueManagerName.charCodeAt(index)
      this.template[PREFIX.length + index] = code > SPACE && code < 0x7f ? code : SPACE
    }
    this.template.set(random, PREFIX.length + MESSAGE_ID_NAME_BYTES)
  }

  /** A fresh id; from Buffer's pooled slab, since an ArrayBuffer per message is costly in V8. */
  next(): Uint8Array {
    const id = Buffer.allocUnsafe(MESSAGE_ID_BYTES)
    id.set(this.template)
    this.counter++
    assert(Number.isSafeInteger(this.counter), 'message ids: counter stays exact')
    id.writeUInt32BE(Math.floor(this.counter / UINT32_RANGE), COUNTER_OFFSET)
    id.writeUInt32BE(this.counter % UINT32_RANGE, COUNTER_OFFSET + 4)
    return id
  }
}
