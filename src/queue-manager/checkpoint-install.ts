/**
 * A follower replaces its log by a primary's checkpoint (checkpoint catch-up), crash-safely:
 *
 *   1. stage   `install-<lsn>.tmp/`: the segment files from the checkpoint's floor to its LSN,
 *              sparse, holding only the records its messages point at (at their own LSNs, so
 *              a get reads them as from any log), each fsynced; renamed to `install-<lsn>/`
 *   2. commit  the epoch history beside the checkpoint (`<checkpoint>.epochs`), then the
 *              checkpoint file itself, each temporary name, fsync, rename, directory fsync:
 *              the checkpoint's rename is the commit point
 *   3. switch  `journal/` renamed to `superseded-<lsn>/`, `install-<lsn>/` to `journal/`,
 *              then the superseded log and the older checkpoints are deleted
 *
 * The old log is kept until step 2 is done. `finishInstall` runs at every open: an install
 * whose checkpoint is there is rolled forward (step 3, from wherever a crash stopped it); one
 * whose checkpoint is not was never committed and is removed, and the member starts on its
 * previous state. Divergent records were cut and saved aside before (divergent-tail.ts).
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { syncDirectory, writeFully } from '../actors/journal/segment-files.js'
import { segmentPath } from '../actors/journal/segment-files.js'
import { decodeBundle } from '../actors/replication/checkpoint-bundle.js'
import { assert } from '../assert.js'
import type { EpochRun } from '../replication/epoch-history.js'
import { writeFileDurably } from '../side-work/tasks.js'
import { checkpointFileName, listCheckpoints } from './checkpointer.js'
import type { DataPaths } from './data-directory.js'

const INSTALL_PREFIX = 'install-'
const SUPERSEDED_PREFIX = 'superseded-'

const hex = (lsn: number): string => lsn.toString(16).padStart(16, '0')

/** The sidecar that keeps the epoch history below a checkpoint (retired segments lose it). */
export function epochsFileName(checkpointFile: string): string {
  return `${checkpointFile}.epochs`
}

export function writeCheckpointEpochs(
  checkpoints: string,
  checkpointFile: string,
  history: readonly EpochRun[],
): void {
  const bytes = Buffer.from(JSON.stringify(history))
  writeFileDurably({ directory: checkpoints, name: epochsFileName(checkpointFile), bytes })
}

/** The epoch runs stored beside a checkpoint ([] if none: a single node's checkpoint). */
export function readCheckpointEpochs(checkpoints: string, checkpointFile: string): EpochRun[] {
  const path = join(checkpoints, epochsFileName(checkpointFile))
  if (!fs.existsSync(path)) return []
  return JSON.parse(fs.readFileSync(path, 'utf8')) as EpochRun[]
}

export interface InstalledCheckpoint {
  readonly lsn: number
  readonly floorLsn: number
  readonly file: string
}

/** Steps 1 and 2; the member then reopens, and finishInstall does step 3. */
export function stageInstall(
  paths: DataPaths,
  segmentBytes: number,
  lsn: number,
  history: readonly EpochRun[],
  bundleBytes: Uint8Array,
): InstalledCheckpoint {
  const bundle = decodeBundle(bundleBytes)
  const floorLsn = Math.min(lsn, bundle.records[0]?.lsn ?? lsn)
  const staging = join(paths.root, `${INSTALL_PREFIX}${hex(lsn)}.tmp`)
  fs.rmSync(staging, { recursive: true, force: true })
  fs.mkdirSync(staging)
  const first = Math.floor(floorLsn / segmentBytes)
  const last = Math.floor(lsn / segmentBytes)
  for (let index = first; index <= last; index++) {
    const descriptor = fs.openSync(segmentPath(staging, index), 'wx')
    try {
      fs.ftruncateSync(descriptor, segmentBytes)
      for (const record of bundle.records) {
        if (Math.floor(record.lsn / segmentBytes) !== index) continue
        assert(record.lsn < lsn, 'install: bundle records lie below the checkpoint')
        const position = record.lsn - index * segmentBytes
        writeFully(descriptor, record.bytes, 0, record.bytes.length, position)
      }
      fs.fdatasyncSync(descriptor)
    } finally {
      fs.closeSync(descriptor)
    }
  }
  syncDirectory(staging)
  fs.renameSync(staging, join(paths.root, `${INSTALL_PREFIX}${hex(lsn)}`))
  syncDirectory(paths.root)
  const file = checkpointFileName(lsn, floorLsn)
  writeCheckpointEpochs(paths.checkpoints, file, history)
  writeFileDurably({ directory: paths.checkpoints, name: file, bytes: bundle.checkpoint })
  return { lsn, floorLsn, file }
}

/** Rolls a committed install forward and removes an uncommitted one; see the header. */
export function finishInstall(paths: DataPaths): void {
  const entries = fs.readdirSync(paths.root)
  for (const name of entries) {
    if (name.startsWith(INSTALL_PREFIX) && name.endsWith('.tmp')) {
      fs.rmSync(join(paths.root, name), { recursive: true, force: true })
    }
  }
  const checkpoints = listCheckpoints(paths.checkpoints)
  for (const name of entries.filter((entry) => /^install-[0-9a-f]{16}$/.test(entry))) {
    const lsn = parseInt(name.slice(INSTALL_PREFIX.length), 16)
    const installed = join(paths.root, name)
    if (!checkpoints.some((checkpoint) => checkpoint.lsn === lsn)) {
      fs.rmSync(installed, { recursive: true, force: true })
      continue
    }
    const superseded = join(paths.root, `${SUPERSEDED_PREFIX}${hex(lsn)}`)
    if (fs.existsSync(paths.journal)) fs.renameSync(paths.journal, superseded)
    fs.renameSync(installed, paths.journal)
    syncDirectory(paths.root)
    for (const older of checkpoints.filter((checkpoint) => checkpoint.lsn < lsn)) {
      fs.rmSync(join(paths.checkpoints, older.file), { force: true })
      fs.rmSync(join(paths.checkpoints, epochsFileName(older.file)), { force: true })
    }
  }
  for (const name of fs.readdirSync(paths.root)) {
    if (!name.startsWith(SUPERSEDED_PREFIX)) continue
    fs.rmSync(join(paths.root, name), { recursive: true, force: true })
  }
}
