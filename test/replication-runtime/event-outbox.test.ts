/** The replication worker's events to the main thread: one message a turn, held until durable. */
import { describe, expect, it } from 'vitest'
import { EventOutbox } from '../../src/actors/replication/event-outbox.js'
import type { ReplicationEvent } from '../../src/actors/replication/messages.js'
import { LOG_START_LSN } from '../../src/constants.js'
import { putRecord } from '../support/records.js'
import { encodeRecord, encodedRecordLength } from '../../src/actors/journal/journal-record.js'

/** Two PUT records back to back from `lsn`; returns them and the LSN after them. */
function records(lsn: number): { bytes: Uint8Array; endLsn: number } {
  const first = putRecord('one', 100)
  const second = putRecord('two', 100)
  const firstLength = encodedRecordLength(first)
  const bytes = new Uint8Array(firstLength + encodedRecordLength(second))
  encodeRecord(bytes, 0, first, lsn, 1)
  encodeRecord(bytes.subarray(firstLength), 0, second, lsn + firstLength, 1)
  return { bytes, endLsn: lsn + bytes.length }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

describe('EventOutbox', () => {
  it('sends the events of one turn as one message, in order', async () => {
    const sent: ReplicationEvent[][] = []
    const outbox = new EventOutbox(
      (events) => sent.push(events),
      () => 0,
    )
    outbox.post({ type: 'accept-writes', accept: true })
    outbox.post({ type: 'primary-ready', epoch: 2 })
    expect(sent).toEqual([])
    await turn()
    expect(sent).toEqual([
      [
        { type: 'accept-writes', accept: true },
        { type: 'primary-ready', epoch: 2 },
      ],
    ])
  })

  it("holds a follower's records, and what follows them, until the journal has them durable", async () => {
    const sent: ReplicationEvent[][] = []
    let durable = LOG_START_LSN
    const outbox = new EventOutbox(
      (events) => sent.push(events),
      () => durable,
    )
    const written = records(LOG_START_LSN)
    outbox.post({ type: 'write', fromLsn: LOG_START_LSN, records: written.bytes })
    outbox.post({ type: 'truncate', fromLsn: LOG_START_LSN, epoch: 3 })
    await turn()
    expect(sent).toEqual([])
    expect(outbox.queued).toBe(2)
    durable = written.endLsn - 1
    outbox.flushSoon()
    await turn()
    expect(sent).toEqual([])
    durable = written.endLsn
    outbox.flushSoon()
    await turn()
    expect(sent.map((events) => events.map((event) => event.type))).toEqual([['write', 'truncate']])
    expect(outbox.queued).toBe(0)
    // Nothing held any more: the next event goes in its own turn.
    outbox.post({ type: 'accept-writes', accept: false })
    await turn()
    expect(sent).toHaveLength(2)
  })

  it('lets a cut queued before held records go at once (the records wait for the cut)', async () => {
    const sent: ReplicationEvent[][] = []
    let durable = LOG_START_LSN
    const outbox = new EventOutbox(
      (events) => sent.push(events),
      () => durable,
    )
    const written = records(LOG_START_LSN)
    outbox.post({ type: 'truncate', fromLsn: LOG_START_LSN, epoch: 3 })
    outbox.post({ type: 'write', fromLsn: LOG_START_LSN, records: written.bytes })
    outbox.post({ type: 'primary-ready', epoch: 3 })
    await turn()
    expect(sent.map((events) => events.map((event) => event.type))).toEqual([['truncate']])
    durable = written.endLsn
    outbox.flushSoon()
    await turn()
    expect(sent.map((events) => events.map((event) => event.type))).toEqual([
      ['truncate'],
      ['write', 'primary-ready'],
    ])
  })
})
