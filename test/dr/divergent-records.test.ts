/**
 * The records a demoted DR side saved aside: which messages `rdqmdr -l` lists and `-r` puts
 * again. The chaos suite's DR target found messages left out because a get of them, in a unit
 * of work later backed out, was in the same tail.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  encodeRecord,
  encodedRecordLength,
  finalizeRecord,
} from '../../src/actors/journal/journal-record.js'
import { RecordType, type JournalRecord } from '../../src/actors/journal/record-types.js'
import { savedMessages } from '../../src/dr/divergent-records.js'
import { putRecord } from '../support/records.js'
import { temporaryDirectory } from '../support/temporary-directory.js'

const FORK_LSN = 4096

function tailFile(directory: string, records: JournalRecord[]): { file: string } {
  const parts: Buffer[] = []
  let lsn = FORK_LSN
  for (const record of records) {
    const bytes = Buffer.alloc(encodedRecordLength(record))
    encodeRecord(bytes, 0, record, lsn, 5)
    finalizeRecord(bytes, 0, FORK_LSN)
    parts.push(bytes)
    lsn += bytes.length
  }
  const file = join(directory, `5-${FORK_LSN}.qlog`)
  fs.writeFileSync(file, Buffer.concat(parts))
  return { file }
}

describe('saved divergent records', () => {
  let directory: ReturnType<typeof temporaryDirectory>
  beforeEach(() => (directory = temporaryDirectory('divergent-records')))
  afterEach(() => directory.remove())

  it('lists every committed put; marks those a get outside a unit or in a committed one took', () => {
    const records: JournalRecord[] = []
    // A unit of work's id is the LSN of its first record.
    const next = () => FORK_LSN + records.reduce((sum, r) => sum + encodedRecordLength(r), 0)
    const add = (record: JournalRecord) => {
      const lsn = next()
      records.push(record)
      return lsn
    }
    const put = (label: string, uowId = 0) => putRecord(label, 100, 1, uowId)
    const get = (putLsn: number, uowId: number): JournalRecord => ({
      type: RecordType.MESSAGE_GET,
      queueId: 1,
      uowId,
      putLsn,
    })
    const backedOut = add(put('backed-out-get'))
    const got = add(put('got'))
    const gotInUnit = add(put('got-in-unit'))
    const unitA = next()
    add(get(backedOut, unitA))
    add({ type: RecordType.UOW_BACKOUT, uowId: unitA })
    add(get(got, 0))
    const unitB = next()
    add(get(gotInUnit, unitB))
    add({ type: RecordType.UOW_COMMIT, uowId: unitB })
    add(put('uncommitted-put', next()))
    const { file } = tailFile(directory.path, records)
    const saved = savedMessages(file).map((message) => [
      Buffer.from(message.put.body).toString('ascii').replace(/\.+$/, ''),
      message.gotHere,
    ])
    // Every committed put is listed; a get that took effect here marks it (perhaps delivered).
    expect(saved).toEqual([
      ['backed-out-get', false],
      ['got', true],
      ['got-in-unit', true],
    ])
  })
})
