/**
 * One queue manager's data directory:
 *
 *   <dataDirectory>/qm.json          identity and journal geometry (written once at create)
 *   <dataDirectory>/qm.lock          pid of the process that has it open
 *   <dataDirectory>/journal/         segment files (NNNNNNNNNNNNNNNNNNNN.qlog) and spares
 *   <dataDirectory>/checkpoints/     checkpoint-<LSN as 16 hex digits>.qckp
 *
 * Only one process may open a queue manager: a second writer would corrupt the log. The lock
 * file holds the owner's pid; a lock whose pid is dead (kill -9) is taken over.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { DEFAULT_SEGMENT_BYTES, MIN_SEGMENT_BYTES, RECORD_ALIGNMENT_BYTES } from '../constants.js'
import { ErrorCode, QmqError } from '../errors.js'
import { preallocateSegment, syncDirectory } from '../actors/journal/segment-files.js'
import { processAlive } from '../runtime/process-liveness.js'

export interface QueueManagerMeta {
  readonly formatVersion: 1
  readonly name: string
  readonly createdAt: string
  readonly segmentBytes: number
  /** Replication epoch; 1 until replication exists. */
  readonly epoch: number
}

export interface DataPaths {
  readonly root: string
  readonly meta: string
  readonly lock: string
  readonly journal: string
  readonly checkpoints: string
}

export function dataPaths(root: string): DataPaths {
  return {
    root,
    meta: join(root, 'qm.json'),
    lock: join(root, 'qm.lock'),
    journal: join(root, 'journal'),
    checkpoints: join(root, 'checkpoints'),
  }
}

export function createDataDirectory(
  root: string,
  name: string,
  segmentBytes = DEFAULT_SEGMENT_BYTES,
): QueueManagerMeta {
  if (segmentBytes < MIN_SEGMENT_BYTES || segmentBytes % RECORD_ALIGNMENT_BYTES !== 0) {
    throw new QmqError(ErrorCode.CONFIG_INVALID, `segment size ${segmentBytes} is not valid`)
  }
  const paths = dataPaths(root)
  if (fs.existsSync(paths.meta)) {
    throw new QmqError(ErrorCode.CONFIG_INVALID, `queue manager data already exists in ${root}`)
  }
  fs.mkdirSync(paths.journal, { recursive: true })
  fs.mkdirSync(paths.checkpoints, { recursive: true })
  // Segment 0 before qm.json: a data directory with qm.json always has its first segment.
  preallocateSegment(paths.journal, 0, segmentBytes)
  const meta: QueueManagerMeta = {
    formatVersion: 1,
    name,
    createdAt: new Date().toISOString(),
    segmentBytes,
    epoch: 1,
  }
  const temporary = `${paths.meta}.tmp`
  fs.writeFileSync(temporary, `${JSON.stringify(meta, null, 2)}\n`)
  const descriptor = fs.openSync(temporary, 'r')
  fs.fsyncSync(descriptor)
  fs.closeSync(descriptor)
  fs.renameSync(temporary, paths.meta)
  syncDirectory(root)
  return meta
}

export function readMeta(root: string): QueueManagerMeta {
  const paths = dataPaths(root)
  let text: string
  try {
    text = fs.readFileSync(paths.meta, 'utf8')
  } catch (error) {
    throw new QmqError(
      ErrorCode.CONFIG_INVALID,
      `no queue manager data in ${root}`,
      {},
      { cause: error },
    )
  }
  const meta = JSON.parse(text) as QueueManagerMeta
  if (meta.formatVersion !== 1 || typeof meta.name !== 'string') {
    throw new QmqError(ErrorCode.CONFIG_INVALID, `unsupported qm.json in ${root}`)
  }
  return meta
}

/** Takes the data directory lock; returns a release function. */
export function lockDataDirectory(root: string): () => void {
  const { lock } = dataPaths(root)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' })
      return () => {
        try {
          if (fs.readFileSync(lock, 'utf8').trim() === String(process.pid)) fs.unlinkSync(lock)
        } catch {
          // Already gone: nothing to release.
        }
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const owner = Number(fs.readFileSync(lock, 'utf8').trim())
      if (Number.isInteger(owner) && owner !== process.pid && processAlive(owner)) {
        throw new QmqError(
          ErrorCode.DATA_DIRECTORY_LOCKED,
          `queue manager data in ${root} is in use by process ${owner}`,
          { pid: owner },
        )
      }
      fs.unlinkSync(lock)
    }
  }
  throw new QmqError(ErrorCode.DATA_DIRECTORY_LOCKED, `could not lock ${root}`)
}
