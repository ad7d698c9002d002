/**
 * Goal: elections and failovers are counted where the member's role changes, from what it saw:
 * a new epoch with a primary is one election, a primary that becomes another node is one
 * failover, the first primary learned and epochs recovered at open are not counted.
 * Method: feed the pure counter role events as a member emits them.
 */
import { describe, expect, it } from 'vitest'
import { RoleChanges } from '../../src/ops/role-changes.js'

describe('RoleChanges', () => {
  it('counts the first election of a new group, not the first primary as a move', () => {
    const changes = new RoleChanges()
    changes.opened(0, undefined)
    changes.observe(1, undefined) // candidate in epoch 1: no primary yet
    changes.observe(1, 'a')
    changes.observe(1, 'a') // the same news again
    expect(changes.counts()).toMatchObject({ elections: 1, failovers: 0, primary: 'a' })
  })

  it('counts a failover and its election once each', () => {
    const changes = new RoleChanges()
    changes.opened(0, undefined)
    changes.observe(1, 'a')
    changes.observe(2, undefined)
    changes.observe(3, 'b')
    expect(changes.counts()).toMatchObject({ elections: 2, failovers: 1, primary: 'b' })
    changes.observe(2, 'c') // late news of an older epoch
    expect(changes.counts()).toMatchObject({ elections: 2, failovers: 1, primary: 'b' })
  })

  it('a reopened member does not count the election it recovered', () => {
    const changes = new RoleChanges()
    changes.opened(4, 'a')
    changes.observe(4, 'a')
    expect(changes.counts()).toMatchObject({ elections: 0, failovers: 0 })
    changes.observe(5, 'b')
    changes.opened(5, undefined) // closed and opened again (suspend, resume)
    changes.observe(5, 'b')
    changes.observe(6, 'a') // switchover back
    expect(changes.counts()).toMatchObject({ elections: 2, failovers: 2, primary: 'a' })
  })
})
