/**
 * Node-channel framing: `[u32 little-endian length][UTF-8 JSON object]`, one message a frame.
 * The length is checked against HA_NODE_MAX_FRAME_BYTES before anything is buffered for it, so a
 * peer cannot make a node hold more than one frame's worth; a bad frame ends the connection.
 */
import { HA_NODE_MAX_FRAME_BYTES } from '../../constants.js'

const LENGTH_BYTES = 4

export class NodeFrameError extends Error {
  override readonly name = 'NodeFrameError'
}

export type NodeMessage = Readonly<Record<string, unknown>>

export function encodeNodeFrame(message: NodeMessage): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8')
  if (body.length > HA_NODE_MAX_FRAME_BYTES) {
    throw new NodeFrameError(`node frame of ${body.length} bytes above the limit`)
  }
  const frame = Buffer.allocUnsafe(LENGTH_BYTES + body.length)
  frame.writeUInt32LE(body.length, 0)
  body.copy(frame, LENGTH_BYTES)
  return frame
}

/** Splits a byte stream into messages, whatever the chunking. */
export class NodeFrameSplitter {
  private buffered: Buffer = Buffer.alloc(0)

  constructor(private readonly maxFrameBytes = HA_NODE_MAX_FRAME_BYTES) {}

  push(chunk: Buffer): NodeMessage[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk])
    const messages: NodeMessage[] = []
    while (this.buffered.length >= LENGTH_BYTES) {
      const length = this.buffered.readUInt32LE(0)
      if (length > this.maxFrameBytes) {
        throw new NodeFrameError(`node frame of ${length} bytes above the limit`)
      }
      if (this.buffered.length < LENGTH_BYTES + length) break
      const body = this.buffered.subarray(LENGTH_BYTES, LENGTH_BYTES + length)
      messages.push(parseMessage(body))
      this.buffered = this.buffered.subarray(LENGTH_BYTES + length)
    }
    return messages
  }
}

function parseMessage(body: Buffer): NodeMessage {
  let value: unknown
  try {
    value = JSON.parse(body.toString('utf8'))
  } catch {
    throw new NodeFrameError('node frame is not JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new NodeFrameError('node frame is not a JSON object')
  }
  return value as NodeMessage
}
