/**
 * Memory for encoded frames, carved from large slabs. Buffer.allocUnsafe takes a frame of a
 * 1 KiB message from Node's 8 KiB pool, so every seventh frame allocated a new ArrayBuffer: in
 * the profile of a pipelined put, 14 % of the encode time and much of the garbage collection.
 * A frame is a view of a slab (its bytes only, so `frame.buffer` is the slab's); a slab is
 * released when the last frame cut from it is collected. Frames above an eighth of a slab get
 * memory of their own, so one large frame never pins a slab of small ones or leaves one idle.
 */
import { Buffer } from 'node:buffer'
import { assert } from '../../assert.js'
import { CLIENT_FRAME_SLAB_BYTES } from '../../constants.js'

const SMALL_FRAME_MAX_BYTES = CLIENT_FRAME_SLAB_BYTES / 8

let slab = Buffer.allocUnsafeSlow(CLIENT_FRAME_SLAB_BYTES)
let used = 0

/** `byteCount` bytes, not zeroed: the caller writes every one of them. */
export function frameMemory(byteCount: number): Buffer {
  assert(Number.isInteger(byteCount) && byteCount > 0, 'frame memory: a positive byte count')
  if (byteCount > SMALL_FRAME_MAX_BYTES) return Buffer.allocUnsafeSlow(byteCount)
  if (byteCount > slab.length - used) {
    slab = Buffer.allocUnsafeSlow(CLIENT_FRAME_SLAB_BYTES)
    used = 0
  }
  const frame = slab.subarray(used, used + byteCount)
  // Frames start 8-aligned, as Node's pool keeps them, so views of their fields stay aligned.
  used = (used + byteCount + 7) & ~7
  return frame
}
