/**
 * A stopped member's committed log, read record by record with the recovery reader, for the
 * checker's comparison: a fingerprint per record below the commit LSN, and (from the primary's
 * journal) the epoch each message body was first put in.
 */
import { createHash } from 'node:crypto'
import { recoverLog } from '../../src/actors/journal/recovery.js'
import { RecordType } from '../../src/actors/journal/record-types.js'

export interface CommittedJournal {
  readonly records: { readonly lsn: number; readonly print: string }[]
}

export function readCommittedJournal(
  directory: string,
  segmentBytes: number,
  fromLsn: number,
  commitLsn: number,
  putEpochs: Map<string, number> | undefined,
): CommittedJournal {
  const records: { lsn: number; print: string }[] = []
  recoverLog(directory, segmentBytes, fromLsn, (record, header) => {
    if (header.lsn >= commitLsn) return
    records.push({ lsn: header.lsn, print: fingerprint(record, header) })
    if (putEpochs === undefined) return
    const carriesBody =
      record.type === RecordType.MESSAGE_PUT || record.type === RecordType.MESSAGE_MOVE
    // A MOVE (compaction) carries a message put earlier: its PUT's epoch is the one kept.
    const body = carriesBody ? Buffer.from(record.body).toString('utf8') : undefined
    if (body !== undefined && !putEpochs.has(body)) putEpochs.set(body, header.epoch)
  })
  return { records }
}

export function fingerprint(
  record: unknown,
  header: { lsn: number; epoch: number; type: number },
): string {
  const text = JSON.stringify(record, (_key, value: unknown) => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('base64')
    return typeof value === 'bigint' ? value.toString() : value
  })
  const digest = createHash('sha1').update(text).digest('hex').slice(0, 16)
  return `${header.lsn}/${header.epoch}/${header.type}/${digest}`
}
