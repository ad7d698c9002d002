/**
 * Goal: frames cut from a shared slab never share bytes, so an encoded frame kept (held in a
 * send window, queued in an outbox) is not overwritten by frames encoded after it.
 * Method: take many frames of mixed sizes (across slab boundaries, and above the small-frame
 * cap), fill each with its own byte, then check every one still holds only its byte.
 */
import { describe, expect, it } from 'vitest'
import { CLIENT_FRAME_SLAB_BYTES } from '../../src/constants.js'
import { frameMemory } from '../../src/wire/client-protocol/frame-slab.js'
import { decodeFrame } from '../../src/wire/client-frame-parser.js'
import { encodeFrame, Opcode } from '../../src/wire/client-protocol.js'

describe('frame slab', () => {
  it('hands out frames that do not overlap, across slabs and for large frames', () => {
    const sizes = [1, 7, 8, 12, 100, 1059, 4096, CLIENT_FRAME_SLAB_BYTES / 8 + 1, 3]
    const frames: { frame: Buffer; fill: number }[] = []
    for (let index = 0; index < 2000; index++) {
      const size = sizes[index % sizes.length]!
      const frame = frameMemory(size)
      expect(frame.length).toBe(size)
      const fill = index % 251
      frame.fill(fill)
      frames.push({ frame, fill })
    }
    for (const { frame, fill } of frames) expect(frame.every((byte) => byte === fill)).toBe(true)
    const slabs = new Set(frames.map(({ frame }) => frame.buffer))
    expect(slabs.size).toBeGreaterThan(1)
  })

  it('starts small frames 8-aligned within their slab', () => {
    for (const size of [1, 5, 13, 1059]) {
      expect(frameMemory(size).byteOffset % 8).toBe(0)
    }
  })

  it('keeps an encoded frame intact while later frames are encoded', () => {
    const body = Buffer.alloc(1024, 0x61)
    const first = encodeFrame({ type: Opcode.PUT, requestId: 1, handle: 1, options: {}, body })
    const copy = Buffer.from(first)
    for (let index = 2; index < 2000; index++) {
      encodeFrame({ type: Opcode.PUT, requestId: index, handle: 2, options: {}, body })
    }
    expect(first.equals(copy)).toBe(true)
    const decoded = decodeFrame(first, 'client')
    expect(decoded).toMatchObject({ type: Opcode.PUT, requestId: 1, handle: 1 })
  })
})
