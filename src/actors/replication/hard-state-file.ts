/**
 * The replication hard state (epoch, vote) in a small file beside the journal. A vote must
 * survive a crash of the voter, or it could vote twice in one epoch: the file is written to a
 * temporary name, fsynced, renamed over the old one, and the directory fsynced, all before the
 * worker sends anything that follows (replica effects are performed in order).
 */
import fs from 'node:fs'
import { dirname } from 'node:path'
import { ErrorCode, QmqError } from '../../errors.js'
import type { HardState } from '../../replication/replica.js'
import { syncDirectory } from '../journal/segment-files.js'

const INITIAL: HardState = { epoch: 0, votedFor: undefined }

export function loadHardState(path: string): HardState {
  let text: string
  try {
    text = fs.readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return INITIAL
    throw error
  }
  const parsed = JSON.parse(text) as { epoch?: unknown; votedFor?: unknown }
  const { epoch, votedFor } = parsed
  if (!Number.isSafeInteger(epoch) || (epoch as number) < 0) {
    throw new QmqError(ErrorCode.CONFIG_INVALID, `${path}: epoch is not a count`, { path })
  }
  if (votedFor !== undefined && votedFor !== null && typeof votedFor !== 'string') {
    throw new QmqError(ErrorCode.CONFIG_INVALID, `${path}: votedFor is not a name`, { path })
  }
  return { epoch: epoch as number, votedFor: typeof votedFor === 'string' ? votedFor : undefined }
}

export function saveHardState(path: string, state: HardState): void {
  const temporary = `${path}.tmp`
  const text = JSON.stringify({ epoch: state.epoch, votedFor: state.votedFor ?? null })
  const descriptor = fs.openSync(temporary, 'w')
  try {
    fs.writeSync(descriptor, text)
    fs.fsyncSync(descriptor)
  } finally {
    fs.closeSync(descriptor)
  }
  fs.renameSync(temporary, path)
  syncDirectory(dirname(path))
}
