/**
 * Reassembles a checkpoint from its CHECKPOINT_CHUNK frames (one transfer per peer at a time).
 * Chunks arrive in offset order on one TCP link; a chunk at offset 0 starts a transfer afresh
 * (the primary re-sent it, or sends a newer checkpoint), and a chunk that does not continue the
 * transfer in progress drops it (a frame was lost: the primary sends the whole checkpoint
 * again). When the last byte arrives the core gets one CheckpointMessage.
 */
import { assert } from '../../assert.js'
import { MessageType, type CheckpointMessage } from '../../replication/messages.js'
import { LinkMessageType, type CheckpointChunkMessage } from '../../wire/replication-frames.js'

interface Transfer {
  readonly lsn: number
  readonly epoch: number
  readonly bytes: Uint8Array
  filled: number
}

export class CheckpointAssembly {
  private readonly transfers = new Map<string, Transfer>()

  /** The whole checkpoint once `chunk` completes it, else undefined. */
  accept(chunk: CheckpointChunkMessage): CheckpointMessage | undefined {
    let transfer = this.transfers.get(chunk.from)
    if (chunk.offset === 0) {
      const bytes = new Uint8Array(chunk.totalBytes)
      transfer = { lsn: chunk.lsn, epoch: chunk.epoch, bytes, filled: 0 }
      this.transfers.set(chunk.from, transfer)
    }
    const continues =
      transfer !== undefined &&
      transfer.lsn === chunk.lsn &&
      transfer.epoch === chunk.epoch &&
      transfer.bytes.length === chunk.totalBytes &&
      transfer.filled === chunk.offset
    if (!continues) {
      this.transfers.delete(chunk.from)
      return undefined
    }
    assert(chunk.offset + chunk.chunk.length <= chunk.totalBytes, 'assembly: the wire checked')
    transfer!.bytes.set(chunk.chunk, chunk.offset)
    transfer!.filled += chunk.chunk.length
    if (transfer!.filled < transfer!.bytes.length) return undefined
    this.transfers.delete(chunk.from)
    return {
      type: MessageType.CHECKPOINT,
      from: chunk.from,
      to: chunk.to,
      epoch: chunk.epoch,
      lsn: chunk.lsn,
      history: chunk.history,
      payload: transfer!.bytes,
    }
  }

  /** In progress, for status and tests. */
  get pending(): number {
    return this.transfers.size
  }
}

/** The CHECKPOINT_CHUNK frames that carry `payload`, in order. */
export function checkpointChunks(
  message: Omit<CheckpointMessage, 'type' | 'payload'>,
  payload: Uint8Array,
  maxChunkBytes: number,
): CheckpointChunkMessage[] {
  const chunks: CheckpointChunkMessage[] = []
  for (let offset = 0; offset < payload.length || offset === 0; offset += maxChunkBytes) {
    chunks.push({
      type: LinkMessageType.CHECKPOINT_CHUNK,
      from: message.from,
      to: message.to,
      epoch: message.epoch,
      lsn: message.lsn,
      history: message.history,
      totalBytes: payload.length,
      offset,
      chunk: payload.subarray(offset, Math.min(payload.length, offset + maxChunkBytes)),
    })
    if (payload.length === 0) break
  }
  return chunks
}
