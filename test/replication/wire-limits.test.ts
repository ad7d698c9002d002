/**
 * Goal: what the core asks the shell to put on the wire stays within the link's limits: an
 * APPEND spans at most the settings' maxAppendBytes (MAX_REPLICATION_APPEND_BYTES by default),
 * with the shell finding the record boundary, and an epoch history carries at most
 * MAX_REPLICATION_HISTORY_RUNS runs (the newest). Method: one core driven by hand.
 */
import { describe, expect, it } from 'vitest'
import { MAX_REPLICATION_HISTORY_RUNS } from '../../src/constants.js'
import {
  EffectType,
  InputType,
  type ReplicaEffect,
  type ReplicaInput,
} from '../../src/replication/effects.js'
import type { EpochRun } from '../../src/replication/epoch-history.js'
import { MessageType, type ReplicaMessage } from '../../src/replication/messages.js'
import { Replica } from '../../src/replication/replica.js'
import { DEFAULT_REPLICATION_SETTINGS } from '../../src/replication/settings.js'

const START = 64
const LIMIT = 1024

function drPrimary(endLsn: number, history: EpochRun[]): Replica {
  const epoch = history[history.length - 1]?.epoch ?? 0
  const replica = new Replica({
    id: 'p',
    members: ['p', 's'],
    policy: 'drAsync',
    settings: { ...DEFAULT_REPLICATION_SETTINGS, maxAppendBytes: LIMIT },
    random: () => 0,
    hardState: { epoch, votedFor: undefined },
    log: { startLsn: START, endLsn, history },
    commitLsn: START,
  })
  // A promotion waits until the other side would have been heard.
  for (let tick = 0; tick < DEFAULT_REPLICATION_SETTINGS.deadTimeTicks; tick++) {
    replica.step({ type: InputType.TICK })
  }
  replica.step({ type: InputType.PROMOTE })
  const status = replica.status()
  replica.step({
    type: InputType.LOCAL_APPEND,
    startLsn: endLsn,
    endLsn: endLsn + 48,
    epoch: status.epoch,
  })
  return replica
}

function appendsOf(effects: ReplicaEffect[]): { prevLsn: number; endLsn: number }[] {
  return effects.flatMap((effect) =>
    effect.type === EffectType.SEND_APPEND ? [effect.request] : [],
  )
}

function refusal(replica: Replica, endLsn: number): ReplicaInput {
  const message: ReplicaMessage = {
    type: MessageType.APPEND_RESPONSE,
    from: 's',
    to: 'p',
    epoch: replica.status().epoch,
    success: false,
    matchLsn: 0,
    verifiedLsn: 0,
    endLsn,
    commitLsn: START,
    history: [],
  }
  return { type: InputType.MESSAGE, message }
}

describe('APPEND limit', () => {
  it('sends a member far behind its range in parts, one at a time, from where each ended', () => {
    const end = START + 10 * LIMIT
    const primary = drPrimary(end, [{ epoch: 1, startLsn: START }])
    const first = appendsOf(primary.step(refusal(primary, START)))
    // One part, cut at the limit; the next waits for the answer (the record boundary).
    expect(first).toEqual([expect.objectContaining({ prevLsn: START, endLsn: START + LIMIT })])
    const boundary = START + LIMIT - 40
    const epoch = primary.status().epoch
    const answer: ReplicaMessage = {
      type: MessageType.APPEND_RESPONSE,
      from: 's',
      to: 'p',
      epoch,
      success: true,
      matchLsn: 0,
      verifiedLsn: boundary,
      endLsn: boundary,
      commitLsn: START,
      history: [],
    }
    const second = appendsOf(primary.step({ type: InputType.MESSAGE, message: answer }))
    expect(second).toEqual([
      expect.objectContaining({ prevLsn: boundary, endLsn: boundary + LIMIT }),
    ])
  })

  it('sends a short range whole, to its exact end', () => {
    const end = START + 200
    const primary = drPrimary(end, [{ epoch: 1, startLsn: START }])
    const sent = appendsOf(primary.step(refusal(primary, START)))
    expect(sent).toEqual([expect.objectContaining({ prevLsn: START, endLsn: end })])
  })
})

describe('epoch history on the wire', () => {
  const runs = MAX_REPLICATION_HISTORY_RUNS + 500
  const history: EpochRun[] = Array.from({ length: runs }, (_, index) => ({
    epoch: index + 1,
    startLsn: START + index * 48,
  }))
  const endLsn = START + runs * 48

  it('a refusal carries the newest runs, at most the limit', () => {
    const secondary = new Replica({
      id: 's',
      members: ['p', 's'],
      policy: 'drAsync',
      random: () => 0,
      hardState: { epoch: runs, votedFor: undefined },
      log: { startLsn: START, endLsn, history },
      commitLsn: START,
    })
    const message: ReplicaMessage = {
      type: MessageType.APPEND,
      from: 'p',
      to: 's',
      epoch: runs + 1,
      prevLsn: endLsn + 4096,
      prevEpoch: runs + 1,
      endLsn: endLsn + 4144,
      entriesEpoch: runs + 1,
      commitLsn: START,
      payload: new Uint8Array(48),
    }
    const effects = secondary.step({ type: InputType.MESSAGE, message })
    const response = effects.find((effect) => effect.type === EffectType.SEND)
    expect(response?.type).toBe(EffectType.SEND)
    if (response?.type !== EffectType.SEND) return
    expect(response.message.type).toBe(MessageType.APPEND_RESPONSE)
    if (response.message.type !== MessageType.APPEND_RESPONSE) return
    expect(response.message.success).toBe(false)
    expect(response.message.history).toHaveLength(MAX_REPLICATION_HISTORY_RUNS)
    expect(response.message.history.at(-1)).toEqual(history.at(-1))
  })

  it('a checkpoint sent to a member behind the retired log carries at most the limit', () => {
    const primary = drPrimary(endLsn, history)
    const committed = endLsn + 48
    const firstEpoch = primary.status().epoch
    primary.step({ type: InputType.LOCAL_DURABLE, lsn: committed })
    expect(primary.status().commitLsn).toBe(committed)
    // A DR primary checkpoints what its secondary has: the secondary matched all.
    const matched: ReplicaMessage = {
      type: MessageType.APPEND_RESPONSE,
      from: 's',
      to: 'p',
      epoch: firstEpoch,
      success: true,
      matchLsn: committed,
      verifiedLsn: committed,
      endLsn: committed,
      commitLsn: committed,
      history: [],
    }
    primary.step({ type: InputType.MESSAGE, message: matched })
    primary.step({ type: InputType.CHECKPOINT_TAKEN, lsn: committed })
    primary.step({ type: InputType.LOG_RETIRED, lsn: committed })
    // The secondary is replaced by an empty one; a new term starts with no knowledge of it.
    primary.step({ type: InputType.DEMOTE })
    primary.step({ type: InputType.PROMOTE })
    const effects = primary.step(refusal(primary, START))
    const sent = effects.find((effect) => effect.type === EffectType.SEND_CHECKPOINT)
    expect(sent?.type).toBe(EffectType.SEND_CHECKPOINT)
    if (sent?.type !== EffectType.SEND_CHECKPOINT) return
    expect(sent.history).toHaveLength(MAX_REPLICATION_HISTORY_RUNS)
    expect(sent.history.at(-1)?.epoch).toBe(firstEpoch)
    // runs + 1 runs below the checkpoint (the promotion's own is the last): the oldest go.
    const oldestKept = runs + 1 - MAX_REPLICATION_HISTORY_RUNS
    expect(sent.history[0]).toEqual(history[oldestKept])
  })
})
