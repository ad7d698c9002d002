/**
 * Records cut from the log (written by a deposed primary and never committed) are kept in a file
 * beside the log, never just dropped: <data>/divergent/<epoch>-<lsn>.qlog holds the cut records
 * back to back as they were in the journal, each with its own header (LSN, epoch, checksum), so
 * an operator can read what was cut (amqsbcg-style tools decode them) and see why: the epoch in
 * the name is the deposed primary's, the LSN where the cut began.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { recordEpoch } from '../actors/journal/record-header.js'
import { syncDirectory } from '../actors/journal/segment-files.js'
import type { CutTail } from '../actors/journal/segment-writer.js'

export function divergentDirectory(root: string): string {
  return join(root, 'divergent')
}

/** Writes the cut records to their own file (fsynced, directory too); returns its path. */
export function saveDivergentTail(root: string, cut: CutTail): string | undefined {
  if (cut.records.length === 0) return undefined
  const directory = divergentDirectory(root)
  fs.mkdirSync(directory, { recursive: true })
  const epoch = recordEpoch(cut.records, 0)
  const file = join(directory, `${epoch}-${cut.fromLsn}.qlog`)
  const descriptor = fs.openSync(file, 'w')
  try {
    fs.writeSync(descriptor, cut.records)
    fs.fsyncSync(descriptor)
  } finally {
    fs.closeSync(descriptor)
  }
  syncDirectory(directory)
  return file
}
