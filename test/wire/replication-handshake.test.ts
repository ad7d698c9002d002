/**
 * Goal: an acceptor joins a link only for the right queue manager, group, node and member, in a
 * version both ends speak, without authentication it does not know; each refusal names its
 * reason, the most basic first; the dialer checks the answer; and a whole handshake over bytes
 * leaves both parsers bound, carrying replica messages in both directions.
 * Method: a table of HELLOs against one identity, then two parsers exchanging encoded frames.
 */
import { describe, expect, test } from 'vitest'
import { MessageType } from '../../src/replication/messages.js'
import { ReplicationFrameParser } from '../../src/wire/replication-frame-parser.js'
import {
  answerHello,
  chooseReplicationVersion,
  helloFor,
  helloOkProblem,
  type LinkIdentity,
} from '../../src/wire/replication-handshake.js'
import {
  encodeReplicationFrame,
  LinkMessageType,
  RefusalReason,
  type HelloFrame,
  type HelloOkFrame,
  type ReplicationFrame,
} from '../../src/wire/replication-protocol.js'

const ACCEPTOR: LinkIdentity = {
  queueManager: 'QM1',
  group: 'HAGROUP1',
  node: 'node-a',
  members: ['node-a', 'node-b', 'node-c'],
}
const DIALER: LinkIdentity = { ...ACCEPTOR, node: 'node-b' }
const HELLO = helloFor(DIALER, 'node-a')

interface Refusal {
  readonly name: string
  readonly hello: HelloFrame
  readonly reason: number
  readonly mentions: string
}

const refusals: readonly Refusal[] = [
  {
    name: 'no common version',
    hello: { ...HELLO, minVersion: 2, maxVersion: 3 },
    reason: RefusalReason.UNSUPPORTED_VERSION,
    mentions: '2..3',
  },
  {
    name: 'another queue manager',
    hello: { ...HELLO, queueManager: 'QM2' },
    reason: RefusalReason.WRONG_QUEUE_MANAGER,
    mentions: 'QM2',
  },
  {
    name: 'another group',
    hello: { ...HELLO, group: 'HAGROUP2' },
    reason: RefusalReason.WRONG_GROUP,
    mentions: 'HAGROUP2',
  },
  {
    name: 'meant for another node (a wrong address)',
    hello: { ...HELLO, toNode: 'node-c' },
    reason: RefusalReason.WRONG_NODE,
    mentions: 'node-c',
  },
  {
    name: 'from a node outside the group',
    hello: { ...HELLO, fromNode: 'node-x' },
    reason: RefusalReason.NOT_A_MEMBER,
    mentions: 'node-x',
  },
  {
    name: 'from this node itself',
    hello: { ...HELLO, fromNode: 'node-a' },
    reason: RefusalReason.NOT_A_MEMBER,
    mentions: 'node-a',
  },
  {
    name: 'an authentication mechanism version 1 does not know',
    hello: { ...HELLO, authMechanism: 1, auth: new Uint8Array(32) },
    reason: RefusalReason.AUTHENTICATION_FAILED,
    mentions: 'mechanism 1',
  },
  {
    name: 'authentication bytes with no mechanism',
    hello: { ...HELLO, auth: new Uint8Array(4) },
    reason: RefusalReason.AUTHENTICATION_FAILED,
    mentions: '4 bytes',
  },
  {
    name: 'wrong in several ways: the version is the reason given',
    hello: { ...HELLO, minVersion: 9, maxVersion: 9, queueManager: 'QM9', group: 'G9' },
    reason: RefusalReason.UNSUPPORTED_VERSION,
    mentions: '9..9',
  },
  {
    name: 'wrong queue manager and group: the queue manager is the reason given',
    hello: { ...HELLO, queueManager: 'QM9', group: 'G9' },
    reason: RefusalReason.WRONG_QUEUE_MANAGER,
    mentions: 'QM9',
  },
]

describe('answerHello', () => {
  test('accepts a member of the group, in the highest common version', () => {
    const answer = answerHello({ ...HELLO, maxVersion: 5 }, ACCEPTOR)
    expect(answer).toEqual({
      type: LinkMessageType.HELLO_OK,
      version: 1,
      node: 'node-a',
      authMechanism: 0,
      auth: new Uint8Array(0),
    })
  })

  test.each(refusals)('refuses $name', ({ hello, reason, mentions }) => {
    const answer = answerHello(hello, ACCEPTOR)
    expect(answer.type).toBe(LinkMessageType.HELLO_REFUSED)
    if (answer.type !== LinkMessageType.HELLO_REFUSED) return
    expect(answer.reason).toBe(reason)
    expect(answer.message).toContain(mentions)
    // Every refusal can be sent: the encoder accepts it.
    expect(() => encodeReplicationFrame(answer)).not.toThrow()
  })

  test('chooses the highest version in both ranges, or none', () => {
    expect(chooseReplicationVersion({ minVersion: 1, maxVersion: 3 }, 1, 2)).toBe(2)
    expect(chooseReplicationVersion({ minVersion: 2, maxVersion: 2 }, 1, 5)).toBe(2)
    expect(chooseReplicationVersion({ minVersion: 3, maxVersion: 4 }, 1, 2)).toBeUndefined()
  })
})

describe('helloOkProblem: the dialer checks the answer', () => {
  const ok = answerHello(HELLO, ACCEPTOR) as HelloOkFrame

  test('a right answer has no problem', () => {
    expect(helloOkProblem(ok, HELLO)).toBeUndefined()
  })

  test.each([
    ['another node answered', { ...ok, node: 'node-c' }, 'node-c'],
    ['a version not offered', { ...ok, version: 2 }, 'version 2'],
    ['an authentication answer', { ...ok, authMechanism: 1 }, 'mechanism 1'],
  ] as const)('%s', (_name, answer, mentions) => {
    expect(helloOkProblem(answer, HELLO)).toContain(mentions)
  })
})

describe('a handshake over bytes, then replica messages both ways', () => {
  test('both parsers bind to the names the handshake fixed', () => {
    const atAcceptor = new ReplicationFrameParser({ from: 'dialer' })
    const atDialer = new ReplicationFrameParser({ from: 'acceptor' })

    atAcceptor.push(encodeReplicationFrame(HELLO))
    const hello = atAcceptor.next() as HelloFrame
    expect(hello.type).toBe(LinkMessageType.HELLO)
    const answer = answerHello(hello, ACCEPTOR)
    expect(answer.type).toBe(LinkMessageType.HELLO_OK)
    atAcceptor.bind({ from: hello.fromNode, to: ACCEPTOR.node })

    atDialer.push(encodeReplicationFrame(answer))
    const ok = atDialer.next() as HelloOkFrame
    expect(helloOkProblem(ok, HELLO)).toBeUndefined()
    atDialer.bind({ from: ok.node, to: DIALER.node })

    const vote: ReplicationFrame = {
      type: MessageType.VOTE,
      from: 'node-b',
      to: 'node-a',
      epoch: 4,
      lastEpoch: 3,
      endLsn: 4096,
      transfer: false,
    }
    atAcceptor.push(encodeReplicationFrame(vote))
    expect(atAcceptor.next()).toEqual(vote)
    const granted: ReplicationFrame = {
      type: MessageType.VOTE_RESPONSE,
      from: 'node-a',
      to: 'node-b',
      epoch: 4,
      granted: true,
    }
    atDialer.push(encodeReplicationFrame(granted))
    expect(atDialer.next()).toEqual(granted)
    expect(atAcceptor.bound && atDialer.bound).toBe(true)
  })
})
