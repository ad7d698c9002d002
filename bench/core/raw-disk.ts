/**
 * The reference every journal figure is compared with, measured on the same disk in the same
 * run: a plain write + fdatasync loop over preallocated space, with no queue manager at all.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { nowMicros, summarize, type LatencySummary } from './samples.js'

export interface RawDiskResult {
  /** One write of `recordBytes` then fdatasync, repeated. */
  readonly single: LatencySummary
  /** Batches of `batchRecords` records written at once then one fdatasync: records/s ceiling. */
  readonly groupCommitRecordsPerSecond: number
  readonly batchRecords: number
}

export function measureRawDisk(
  directory: string,
  recordBytes: number,
  iterations: number,
  batchRecords: number,
): RawDiskResult {
  const file = join(directory, 'raw-disk-reference.bin')
  const fileBytes = 64 * 1024 * 1024
  const descriptor = fs.openSync(file, 'w+')
  try {
    const zeros = Buffer.alloc(1024 * 1024)
    for (let offset = 0; offset < fileBytes; offset += zeros.length) {
      fs.writeSync(descriptor, zeros, 0, zeros.length, offset)
    }
    fs.fdatasyncSync(descriptor)
    const record = Buffer.alloc(recordBytes, 0x5a)
    const samples = new Float64Array(iterations)
    let position = 0
    for (let index = 0; index < iterations; index++) {
      const started = nowMicros()
      fs.writeSync(descriptor, record, 0, record.length, position)
      fs.fdatasyncSync(descriptor)
      samples[index] = nowMicros() - started
      position = (position + recordBytes) % (fileBytes - recordBytes)
    }
    const batch = Buffer.alloc(recordBytes * batchRecords, 0x5a)
    const batches = Math.max(20, Math.floor(iterations / 10))
    position = 0
    const started = nowMicros()
    for (let index = 0; index < batches; index++) {
      fs.writeSync(descriptor, batch, 0, batch.length, position)
      fs.fdatasyncSync(descriptor)
      position = (position + batch.length) % (fileBytes - batch.length)
    }
    const seconds = (nowMicros() - started) / 1e6
    return {
      single: summarize(samples),
      groupCommitRecordsPerSecond: (batches * batchRecords) / seconds,
      batchRecords,
    }
  } finally {
    fs.closeSync(descriptor)
    fs.unlinkSync(file)
  }
}
