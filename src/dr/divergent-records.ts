/**
 * The messages in a DR side's saved divergent tails (divergent/<epoch>-<lsn>.qlog, written when
 * a demoted side's records after the fork point were cut), for `rdqmdr -m QM -l` (list them in
 * amqsbcg's format) and `-r` (put them again on the surviving primary).
 *
 * A tail holds every kind of record; a message counts as saved aside when its PUT is in the
 * tail, outside a unit of work or in one whose commit is in the tail too. One that a GET in the
 * tail took (outside a unit of work, or in one committed there) is listed too, marked `gotHere`:
 * that side may have delivered it before it was cut off, or it may not (the reply lost with the
 * node, the client's retry served by the other side), and only the operator can tell; `-r` puts
 * back the others. Nothing in the tail is silently dropped. A restored tail is renamed to
 * `.restored`, so it is never put twice.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { decodeRecord, readRecordHeader, sealNextLsn } from '../actors/journal/journal-record.js'
import { RecordType, type MessagePutRecord } from '../actors/journal/record-types.js'
import { divergentDirectory } from '../queue-manager/divergent-tail.js'

export interface SavedMessage {
  readonly file: string
  readonly lsn: number
  readonly epoch: number
  readonly queueId: number
  readonly put: MessagePutRecord
  /** A get on this side after the fork took it (it may have been delivered): listed, not put. */
  readonly gotHere: boolean
}

const TAIL_FILE = /^(\d+)-(\d+)\.qlog$/

/** The tails not yet restored, oldest fork first. */
export function divergentFiles(dataDirectory: string): string[] {
  const directory = divergentDirectory(dataDirectory)
  let names: string[]
  try {
    names = fs.readdirSync(directory)
  } catch {
    return []
  }
  return names
    .filter((name) => TAIL_FILE.test(name))
    .sort((a, b) => Number(TAIL_FILE.exec(a)![2]) - Number(TAIL_FILE.exec(b)![2]))
    .map((name) => join(directory, name))
}

/** The messages saved aside in one tail file (see the header for which count). */
export function savedMessages(file: string): SavedMessage[] {
  const bytes = new Uint8Array(fs.readFileSync(file))
  const match = TAIL_FILE.exec(file.slice(file.lastIndexOf('/') + 1))
  let lsn = match === null ? 0 : Number(match[2])
  const puts: Omit<SavedMessage, 'gotHere'>[] = []
  // A get in a unit of work took the message only if that unit committed in the tail: one
  // backed out (or never finished) left it on the queue, so it is saved with the rest.
  const gets: { putLsn: number; uowId: number }[] = []
  const committed = new Set<number>()
  for (let offset = 0; offset < bytes.length;) {
    const check = readRecordHeader(bytes, offset, bytes.length - offset, lsn)
    if (check.kind !== 'ok') break
    const { header } = check
    if (header.type === RecordType.SEGMENT_SEAL) {
      const next = sealNextLsn(bytes, offset)
      offset += header.length
      lsn = next
      continue
    }
    const record = decodeRecord(bytes, offset, header)
    if (record.type === RecordType.MESSAGE_PUT) {
      puts.push({ file, lsn, epoch: header.epoch, queueId: record.queueId, put: record })
    } else if (record.type === RecordType.MESSAGE_GET) {
      gets.push({ putLsn: record.putLsn, uowId: record.uowId })
    } else if (record.type === RecordType.UOW_COMMIT) {
      committed.add(record.uowId)
    }
    offset += header.length
    lsn += header.length
  }
  const got = new Set(
    gets.filter((get) => get.uowId === 0 || committed.has(get.uowId)).map((get) => get.putLsn),
  )
  return puts
    .filter((saved) => saved.put.uowId === 0 || committed.has(saved.put.uowId))
    .map((saved) => ({ ...saved, gotHere: got.has(saved.lsn) }))
}

/** Marks a tail as put again, so that a second `-r` does not put its messages twice. */
export function markRestored(file: string): void {
  fs.renameSync(file, file.replace(/\.qlog$/, '.restored'))
}
