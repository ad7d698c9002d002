/**
 * Election rules, as pure functions over the numbers they compare. Raft's election restriction
 * on byte LSNs: a log is at least as up to date as another if its last record's epoch is higher,
 * or the same and its end LSN is at least as high. A voter grants only to such a candidate, so a
 * primary holds every committed record (leader completeness).
 */
import type { ReplicationSettings } from './settings.js'

export interface LogPosition {
  readonly lastEpoch: number
  readonly endLsn: number
}

export function isAtLeastAsUpToDate(candidate: LogPosition, voter: LogPosition): boolean {
  if (candidate.lastEpoch !== voter.lastEpoch) return candidate.lastEpoch > voter.lastEpoch
  return candidate.endLsn >= voter.endLsn
}

/** A fresh election timeout in [min, max]: jitter so that two secondaries rarely tie. */
export function randomizedElectionTimeout(
  settings: ReplicationSettings,
  random: (bound: number) => number,
): number {
  const spread = settings.electionTimeoutMaxTicks - settings.electionTimeoutMinTicks + 1
  return settings.electionTimeoutMinTicks + random(spread)
}

export interface VoteDecisionInput {
  readonly votedFor: string | undefined
  readonly candidateId: string
  readonly candidate: LogPosition
  readonly voter: LogPosition
  /** Simulation bug vote-twice-in-epoch: ignore an earlier vote in this epoch. */
  readonly forgetVote: boolean
}

/** At most one vote per epoch (votedFor is persisted before the grant is sent). */
export function grantsVote(input: VoteDecisionInput): boolean {
  const free =
    input.votedFor === undefined || input.votedFor === input.candidateId || input.forgetVote
  return free && isAtLeastAsUpToDate(input.candidate, input.voter)
}
