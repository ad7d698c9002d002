/**
 * Hand-made HA snapshots for the tests of rdqmstatus's view and the status source's HA part:
 * one node's member (its role, LSNs and links) and one node's HaSnapshot of a queue manager.
 */
import type { HaSnapshot } from '../../src/ha/ha-local.js'
import type { MemberStatus } from '../../src/queue-manager/replicated-queue-manager.js'

export const MiB = 1024 * 1024

/** A secondary in epoch 2 under primary a, everything at LSN 1000 unless `fields` say else. */
export function haMember(
  node: string,
  fields: Partial<MemberStatus> & { durableLsn?: number } = {},
): MemberStatus {
  const { durableLsn = 1000, ...rest } = fields
  return {
    node,
    role: 'secondary',
    epoch: 2,
    primaryId: 'a',
    serving: false,
    commitLsn: 1000,
    journalEndLsn: durableLsn,
    appliedLsn: 1000,
    links: [],
    replica: { durableLsn } as MemberStatus['replica'],
    ...rest,
  } as MemberStatus
}

/** A node's snapshot of an existing, HA-enabled queue manager running elsewhere. */
export function haSnapshot(node: string, fields: Partial<HaSnapshot> = {}): HaSnapshot {
  return {
    node,
    exists: true,
    replicated: true,
    status: 'Running elsewhere',
    control: 'enabled',
    preferredLocation: undefined,
    member: undefined,
    lastLinked: {},
    lastFailure: undefined,
    ...fields,
  }
}
