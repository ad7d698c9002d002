/**
 * The replication worker's shell, without its thread: what a follower answers to an APPEND, and
 * where the retention floor goes. Ports are fakes that record what the shell did.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CommitBlock } from '../../src/actors/replication/commit-block.js'
import { LogSource } from '../../src/actors/replication/log-source.js'
import type { ReplicationWorkerData } from '../../src/actors/replication/messages.js'
import { ReplicationShell } from '../../src/actors/replication/replication-shell.js'
import { LOG_START_LSN, REPLICATION_EARLY_ANSWER_MIN_BYTES } from '../../src/constants.js'
import { childLogger } from '../../src/log.js'
import {
  MessageType,
  type AppendMessage,
  type AppendResponseMessage,
} from '../../src/replication/messages.js'
import type { WireReplicaMessage } from '../../src/wire/replication-protocol.js'
import { buildLog } from '../support/log-builder.js'
import { putRecord } from '../support/records.js'
import { temporaryDirectory } from '../support/temporary-directory.js'

const SEGMENT = 4 * 1024 * 1024

interface Follower {
  readonly shell: ReplicationShell
  readonly sent: WireReplicaMessage[]
  readonly fed: Uint8Array[]
  readonly commit: CommitBlock
}

function follower(directory: string): Follower {
  const sent: WireReplicaMessage[] = []
  const fed: Uint8Array[] = []
  const commit = CommitBlock.create(LOG_START_LSN)
  const data = {
    queueManager: 'QMR',
    group: 'G',
    self: 'b',
    members: ['a', 'b', 'c'].map((id, index) => ({ id, host: '127.0.0.1', port: 1 + index })),
    policy: 'majority',
    hardStatePath: `${directory}/replication.json`,
    hardState: { epoch: 1, votedFor: undefined },
    journalDirectory: `${directory}/follower-journal`,
    segmentBytes: SEGMENT,
    log: { startLsn: LOG_START_LSN, endLsn: LOG_START_LSN, history: [] },
    commitLsn: LOG_START_LSN,
    checkpointDirectory: `${directory}/checkpoints`,
  } as unknown as ReplicationWorkerData
  const shell = new ReplicationShell(data, {
    links: { send: (message) => sent.push(message) },
    commit,
    feed: { write: (records) => fed.push(records), cutPending: () => {}, cutDone: () => {} },
    logger: childLogger({ test: 'replication-shell' }),
    post: () => {},
    readDurable: () => LOG_START_LSN,
  })
  return { shell, sent, fed, commit }
}

/** An APPEND from primary `a` (epoch 1) carrying `puts` records of `bodyBytes` each. */
function append(directory: string, puts: number, bodyBytes: number): AppendMessage {
  const records = Array.from({ length: puts }, (_, index) => putRecord(`r${index}`, bodyBytes))
  const log = buildLog(directory, SEGMENT, records, { startLsn: LOG_START_LSN })
  const source = new LogSource(directory, SEGMENT, 0)
  const payload = source.read(LOG_START_LSN, log.endLsn)
  source.close()
  return {
    type: MessageType.APPEND,
    from: 'a',
    to: 'b',
    epoch: 1,
    prevLsn: LOG_START_LSN,
    prevEpoch: 0,
    endLsn: log.endLsn,
    entriesEpoch: 1,
    commitLsn: LOG_START_LSN,
    payload,
  }
}

const answers = (sent: WireReplicaMessage[]): AppendResponseMessage[] =>
  sent.filter((message) => message.type === MessageType.APPEND_RESPONSE) as AppendResponseMessage[]

describe('ReplicationShell, follower', () => {
  let directory: ReturnType<typeof temporaryDirectory>
  beforeEach(() => (directory = temporaryDirectory('replication-shell')))
  afterEach(() => directory.remove())

  it('answers a short APPEND once, when its records are durable', () => {
    const { shell, sent, fed } = follower(directory.path)
    const message = append(directory.path, 4, 300)
    expect(message.payload.length).toBeLessThan(REPLICATION_EARLY_ANSWER_MIN_BYTES)
    shell.receive(message as WireReplicaMessage)
    expect(fed).toHaveLength(1)
    expect(answers(sent)).toEqual([])
    shell.durable(message.endLsn)
    const [answer, ...more] = answers(sent)
    expect(more).toEqual([])
    expect(answer).toMatchObject({ success: true, matchLsn: message.endLsn })
    expect(answer!.verifiedLsn).toBe(message.endLsn)
  })

  it('answers a long APPEND (a catch-up part) at once as well, so the next part overlaps', () => {
    const { shell, sent } = follower(directory.path)
    const message = append(directory.path, 300, 4000)
    expect(message.payload.length).toBeGreaterThanOrEqual(REPLICATION_EARLY_ANSWER_MIN_BYTES)
    shell.receive(message as WireReplicaMessage)
    expect(answers(sent)).toMatchObject([
      { success: true, matchLsn: LOG_START_LSN, verifiedLsn: message.endLsn },
    ])
    shell.durable(message.endLsn)
    expect(answers(sent).at(-1)).toMatchObject({ success: true, matchLsn: message.endLsn })
  })

  it('answers an APPEND it already has at once (nothing to write, nothing will follow)', () => {
    const { shell, sent } = follower(directory.path)
    const message = append(directory.path, 4, 300)
    shell.receive(message as WireReplicaMessage)
    shell.durable(message.endLsn)
    const before = answers(sent).length
    shell.receive(message as WireReplicaMessage)
    expect(answers(sent).slice(before)).toMatchObject([{ success: true, matchLsn: message.endLsn }])
  })

  it('publishes a commit that came with records without waking the main thread', () => {
    const { shell, commit } = follower(directory.path)
    const whole = append(directory.path, 8, 300)
    const middle = LOG_START_LSN + (whole.endLsn - LOG_START_LSN) / 2
    const first = { ...whole, endLsn: middle, payload: whole.payload.subarray(0, middle - 64) }
    shell.receive(first as WireReplicaMessage)
    shell.durable(middle)
    const second = {
      ...whole,
      prevLsn: middle,
      prevEpoch: 1,
      commitLsn: middle,
      payload: whole.payload.subarray(middle - LOG_START_LSN),
    }
    const sequence = commit.sequence
    shell.receive(second as WireReplicaMessage)
    // The records' 'write' event applies the commit: no wake-up of its own.
    expect(commit.commitLsn).toBe(middle)
    expect(commit.sequence).toBe(sequence)
    // A commit with no records (a heartbeat's, an APPEND re-sent) wakes the main thread.
    shell.durable(whole.endLsn)
    shell.receive({ ...second, commitLsn: whole.endLsn } as WireReplicaMessage)
    expect(commit.commitLsn).toBe(whole.endLsn)
    expect(commit.sequence).toBe(sequence + 1)
  })

  it('keeps the retention floor in the commit block, rising with the commit LSN', () => {
    const { shell, commit } = follower(directory.path)
    expect(commit.retentionFloor).toBe(LOG_START_LSN)
    const message = append(directory.path, 4, 300)
    shell.receive(message as WireReplicaMessage)
    shell.durable(message.endLsn)
    shell.receive({ ...message, commitLsn: message.endLsn } as WireReplicaMessage)
    expect(commit.commitLsn).toBe(message.endLsn)
    expect(commit.retentionFloor).toBe(message.endLsn)
  })
})
