/**
 * What a primary sends a member that needs LSNs below its retained log: its latest checkpoint
 * file, plus the records the checkpoint's messages still point at. A checkpoint holds message
 * metadata only; bodies stay in the log at their put LSNs (between the checkpoint's floor and
 * its LSN), so the checkpoint alone could not serve a get. The bundle is the core's opaque
 * CheckpointMessage payload and travels as CHECKPOINT_CHUNK frames.
 *
 * Layout (little-endian, 8-aligned):
 * | off | width | field           | meaning                                              |
 * |   0 | 8     | magic           | ASCII 'QMQCKBN1'                                     |
 * |   8 | f64   | checkpointBytes | length of the checkpoint file that follows            |
 * |  16 | ...   | checkpoint      | the .qckp file's bytes, verbatim; zero padding to 8   |
 * | ... | ...   | records         | journal records back to back, ascending LSN, each     |
 * |     |       |                 | with its own header (LSN, epoch, CRC32C)              |
 *
 * The receiver verifies each record's CRC32C and LSN (readRecordHeader) and the checkpoint's
 * own checksum (decodeCheckpoint) before writing anything.
 */
import { Buffer } from 'node:buffer'
import fs from 'node:fs'
import { join } from 'node:path'
import { ErrorCode, QmqError } from '../../errors.js'
import { decodeCheckpoint } from '../../queue-manager/checkpoint-format.js'
import { readRecordHeader } from '../journal/journal-record.js'
import { recordLength, recordLsn } from '../journal/record-header.js'

const MAGIC = Buffer.from('QMQCKBN1', 'latin1')
const HEAD_BYTES = 16
const align8 = (bytes: number): number => Math.ceil(bytes / 8) * 8

export interface BundleRecord {
  readonly lsn: number
  readonly bytes: Uint8Array
}

export interface CheckpointBundle {
  readonly checkpoint: Uint8Array
  /** Ascending LSN, whole records. */
  readonly records: readonly BundleRecord[]
}

export function encodeBundle(bundle: CheckpointBundle): Uint8Array {
  const recordBytes = bundle.records.reduce((sum, record) => sum + record.bytes.length, 0)
  const out = Buffer.alloc(HEAD_BYTES + align8(bundle.checkpoint.length) + recordBytes)
  MAGIC.copy(out, 0)
  out.writeDoubleLE(bundle.checkpoint.length, 8)
  out.set(bundle.checkpoint, HEAD_BYTES)
  let offset = HEAD_BYTES + align8(bundle.checkpoint.length)
  for (const record of bundle.records) {
    out.set(record.bytes, offset)
    offset += record.bytes.length
  }
  return out
}

function corrupt(why: string): QmqError {
  return new QmqError(ErrorCode.CHECKPOINT_CORRUPT, `checkpoint bundle: ${why}`)
}

/** Splits and verifies a bundle; throws CHECKPOINT_CORRUPT naming the fault. */
export function decodeBundle(bytes: Uint8Array): CheckpointBundle {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (buffer.length < HEAD_BYTES || !buffer.subarray(0, 8).equals(MAGIC)) throw corrupt('magic')
  const checkpointBytes = buffer.readDoubleLE(8)
  const recordsAt = HEAD_BYTES + align8(checkpointBytes)
  if (!Number.isSafeInteger(checkpointBytes) || checkpointBytes < 0 || recordsAt > buffer.length) {
    throw corrupt(`checkpoint length ${checkpointBytes}`)
  }
  const checkpoint = bytes.subarray(HEAD_BYTES, HEAD_BYTES + checkpointBytes)
  decodeCheckpoint(checkpoint)
  const records: BundleRecord[] = []
  let previous = -1
  for (let offset = recordsAt; offset < bytes.length;) {
    const available = bytes.length - offset
    const lsn = available >= 8 ? recordLsn(bytes, offset) : -1
    const check = lsn >= 0 ? readRecordHeader(bytes, offset, available, lsn) : undefined
    if (check?.kind !== 'ok') throw corrupt(`bad record at offset ${offset}`)
    if (lsn <= previous) throw corrupt(`records out of order at LSN ${lsn}`)
    const length = recordLength(bytes, offset)
    records.push({ lsn, bytes: bytes.subarray(offset, offset + length) })
    previous = lsn
    offset += length
  }
  return { checkpoint, records }
}

/** Put LSNs of every message a checkpoint holds, ascending. */
export function checkpointPutLsns(checkpoint: Uint8Array): number[] {
  const lsns: number[] = []
  for (const queue of decodeCheckpoint(checkpoint).queues) {
    for (let index = 0; index < queue.messages.count; index++) {
      lsns.push(queue.messages.putLsn[index]!)
    }
  }
  return lsns.sort((left, right) => left - right)
}

export interface BundleSource {
  /** The record at `lsn`, whole (header first): read from the local log. */
  readRecord(lsn: number): Uint8Array
}

/** The bundle for the checkpoint at `lsn` in `directory`; undefined if that file is gone. */
export function buildBundle(
  directory: string,
  lsn: number,
  source: BundleSource,
): Uint8Array | undefined {
  const hex = lsn.toString(16).padStart(16, '0')
  // Its epochs file shares the name's start: only the .qckp itself will do.
  const file = fs
    .readdirSync(directory)
    .find((name) => name.startsWith(`checkpoint-${hex}-`) && name.endsWith('.qckp'))
  if (file === undefined) return undefined
  const checkpoint = fs.readFileSync(join(directory, file))
  const records = checkpointPutLsns(checkpoint).map((putLsn) => ({
    lsn: putLsn,
    bytes: source.readRecord(putLsn),
  }))
  return encodeBundle({ checkpoint, records })
}
