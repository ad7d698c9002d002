/**
 * Byte layout of a FramedRing's SharedArrayBuffer. Both threads derive every offset from these
 * constants, so the layout is written down once; RING_LAYOUT_VERSION changes whenever it does.
 *
 *   SharedArrayBuffer
 *   +----------------------------------+ 0
 *   | control: 10 lines x 64 bytes     |  Int32 slots; each hot slot alone on its line
 *   +----------------------------------+ RING_CONTROL_BYTES (640)
 *   | data: capacity bytes (2^n)       |  frames at (position & (capacity - 1))
 *   +----------------------------------+ RING_CONTROL_BYTES + capacity
 *
 *   Frame (8-aligned, never split across the end of the data area):
 *   +--------------------+--------------------+-------------------------+---------------+
 *   | u32 LE payload len | u32 LE tag         | payload (len bytes)     | pad to 8      |
 *   +--------------------+--------------------+-------------------------+---------------+
 *   Wrap marker: tag RING_WRAP_TAG, length = skipped bytes - 8; the consumer jumps to offset 0.
 *
 * Control slots (Int32 index; line = index / 16). Writer is the only thread that stores the slot:
 *   line 0  WRITE_POSITION         producer   free-running u32 end of the last committed frame
 *   line 1  READ_POSITION          consumer   free-running u32 released position
 *   line 2  CONSUMER_SLEEPING      both       1 while the consumer is about to wait or waiting
 *   line 3  PRODUCER_WAITING       both       1 while the producer is about to wait for space
 *   line 4  CONSUMER_WAKE_COUNTER  any        event count the consumer sleeps on
 *   line 5  PRODUCER_WAKE_COUNTER  any        event count the producer sleeps on
 *   line 6  STATE, FAILURE_CODE    any        RingState; first failure code (0 = none)
 *   line 7  GENERATION             supervisor bumped when a side is restarted
 *   line 8  MAGIC, LAYOUT_VERSION, CAPACITY_BYTES       written once by create()
 *   line 9  FRAMES_WRITTEN, CONSUMER_WAKE_UPS, PRODUCER_WAKE_UPS   statistics, u32 modulo 2^32
 */

/** A cache line on x86-64 and most ARM cores: slots on separate lines do not false-share. */
export const RING_CACHE_LINE_BYTES = 64
const SLOTS_PER_LINE = RING_CACHE_LINE_BYTES / Int32Array.BYTES_PER_ELEMENT

export const ControlSlot = {
  WRITE_POSITION: 0 * SLOTS_PER_LINE,
  READ_POSITION: 1 * SLOTS_PER_LINE,
  CONSUMER_SLEEPING: 2 * SLOTS_PER_LINE,
  PRODUCER_WAITING: 3 * SLOTS_PER_LINE,
  CONSUMER_WAKE_COUNTER: 4 * SLOTS_PER_LINE,
  PRODUCER_WAKE_COUNTER: 5 * SLOTS_PER_LINE,
  STATE: 6 * SLOTS_PER_LINE,
  FAILURE_CODE: 6 * SLOTS_PER_LINE + 1,
  GENERATION: 7 * SLOTS_PER_LINE,
  MAGIC: 8 * SLOTS_PER_LINE,
  LAYOUT_VERSION: 8 * SLOTS_PER_LINE + 1,
  CAPACITY_BYTES: 8 * SLOTS_PER_LINE + 2,
  FRAMES_WRITTEN: 9 * SLOTS_PER_LINE,
  CONSUMER_WAKE_UPS: 9 * SLOTS_PER_LINE + 1,
  PRODUCER_WAKE_UPS: 9 * SLOTS_PER_LINE + 2,
} as const

const RING_CONTROL_LINES = 10
export const RING_CONTROL_BYTES = RING_CONTROL_LINES * RING_CACHE_LINE_BYTES
export const RING_CONTROL_SLOTS = RING_CONTROL_BYTES / Int32Array.BYTES_PER_ELEMENT

export const RING_FRAME_HEADER_BYTES = 8
export const RING_FRAME_ALIGNMENT_BYTES = 8
/** Tag of a wrap marker; never a valid application tag. */
export const RING_WRAP_TAG = 0xffffffff
/** 'QRNG': attach() refuses a buffer that was not made by FramedRing.create(). */
export const RING_MAGIC = 0x51524e47
export const RING_LAYOUT_VERSION = 1

/** Negative states are terminal, as in thread-stream: a waiter only has to test `state < 0`. */
export const RingState = { OPEN: 1, CLOSED: -1, FAILED: -2 } as const
export type RingState = (typeof RingState)[keyof typeof RingState]

/** Bytes a frame occupies: header plus payload, rounded up to the frame alignment. */
export function ringFrameBytes(payloadLength: number): number {
  const unpaddedBytes = RING_FRAME_HEADER_BYTES + payloadLength
  return (unpaddedBytes + RING_FRAME_ALIGNMENT_BYTES - 1) & -RING_FRAME_ALIGNMENT_BYTES
}
