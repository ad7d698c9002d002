/**
 * Message bodies carry a sequence number and a send timestamp in their first 16 bytes, so that a
 * consumer can compute end-to-end latency and notice loss or reordering without a side table.
 */

const SEQUENCE_OFFSET = 0
const TIMESTAMP_OFFSET = 8
export const HEADER_BYTES = 16

/** Fill the rest with a repeating non-zero pattern: no system here compresses, but be neutral. */
function fillPattern(buffer: Buffer, from: number): void {
  for (let index = from; index < buffer.length; index++) buffer[index] = (index * 31 + 7) & 0xff
}

export class BodyFactory {
  private readonly template: Buffer

  constructor(readonly messageBytes: number) {
    if (messageBytes < HEADER_BYTES) {
      throw new Error(`message size ${messageBytes} B is below the ${HEADER_BYTES} B header`)
    }
    this.template = Buffer.alloc(messageBytes)
    fillPattern(this.template, HEADER_BYTES)
  }

  /** A fresh buffer per message: clients may hold on to a body until it is acknowledged. */
  create(sequence: number, timestampMicros: number): Buffer {
    const body = Buffer.allocUnsafe(this.messageBytes)
    this.template.copy(body)
    body.writeDoubleLE(sequence, SEQUENCE_OFFSET)
    body.writeDoubleLE(timestampMicros, TIMESTAMP_OFFSET)
    return body
  }
}

export function readSequence(body: Buffer): number {
  return body.length >= HEADER_BYTES ? body.readDoubleLE(SEQUENCE_OFFSET) : -1
}

export function readTimestampMicros(body: Buffer): number {
  return body.length >= HEADER_BYTES ? body.readDoubleLE(TIMESTAMP_OFFSET) : Number.NaN
}
