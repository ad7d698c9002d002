/**
 * Goal: rdqm.ini is read as RDQM writes it, QuorumMQ's optional stanzas give the heartbeat and
 * ports, and every mistake is refused with its line. Method: the pure parser on texts.
 */
import { describe, expect, it } from 'vitest'
import { checkSettings, DEFAULT_REPLICATION_SETTINGS } from '../../src/replication/settings.js'
import { replicationSettingsOf } from '../../src/ha/heartbeat.js'
import { DEFAULT_HEARTBEAT, parseRdqmIni, selfNodeName } from '../../src/ha/rdqm-ini.js'

const THREE_NODES = `
# the group
Node:
  Name=a
  HA_Replication=127.0.0.1
  HA_Primary=10.0.0.1
Node:
  name = b
  HA_REPLICATION = 127.0.0.2
Node:
  Name=c   ; third
  HA_Replication=127.0.0.3
`

describe('rdqm.ini', () => {
  it('reads three Node stanzas with defaults for the rest', () => {
    const group = parseRdqmIni(THREE_NODES)
    expect(group.nodes.map((node) => node.name)).toEqual(['a', 'b', 'c'])
    expect(group.nodes[0]).toEqual({
      name: 'a',
      replicationAddress: '127.0.0.1',
      primaryAddress: '10.0.0.1',
    })
    expect(group.nodes[1]!.replicationAddress).toBe('127.0.0.2')
    expect(group.heartbeat).toEqual(DEFAULT_HEARTBEAT)
    expect(group.nodePort).toBe(7400)
    expect(group.replicationFirstPort).toBe(7000)
  })

  it('reads the Heartbeat and QuorumMQ stanzas', () => {
    const text = `${THREE_NODES}
Heartbeat:
  KeepAlive=50ms
  WarnTime=300
  DeadTime=1s
  InitDead=10s
QuorumMQ:
  NodePort=21000
  ReplicationFirstPort=21010
`
    const group = parseRdqmIni(text)
    expect(group.heartbeat).toEqual({
      keepaliveMs: 50,
      warntimeMs: 300,
      deadtimeMs: 1000,
      initdeadMs: 10_000,
    })
    expect(group.nodePort).toBe(21_000)
    expect(group.replicationFirstPort).toBe(21_010)
  })

  it.each([
    ['Node:\n Name=a\n HA_Replication=127.0.0.1\n', /3 Node stanzas, not 1/],
    [`${THREE_NODES}Node:\n Name=d\n HA_Replication=127.0.0.4\n`, /not 4/],
    [THREE_NODES.replace('Name=c', 'Name=a'), /node 'a' named twice/],
    [THREE_NODES.replace('127.0.0.3', '127.0.0.2'), /127.0.0.2 given twice/],
    [THREE_NODES.replace('127.0.0.3', '127.0.0.300'), /line 12: '127.0.0.300' is not an IPv4/],
    [THREE_NODES.replace('  HA_Replication=127.0.0.3\n', ''), /line 10: Node stanza without HA_R/],
    [THREE_NODES.replace('Name=c', 'Colour=c'), /line 11: unknown key 'Colour'/],
    [`Name=x\n${THREE_NODES}`, /line 1: 'Name' before any stanza/],
    [`${THREE_NODES}Group:\n`, /unknown stanza 'Group:'/],
    [`${THREE_NODES}Heartbeat:\n KeepAlive=100\n DeadTime=150\n`, /more than twice KeepAlive/],
    [`${THREE_NODES}Heartbeat:\n DeadTime=fast\n`, /line 14: 'fast' is not a time/],
    [`${THREE_NODES}QuorumMQ:\n NodePort=70000\n`, /'70000' is not a port/],
    [`${THREE_NODES}just words\n`, /line 13: expected 'Key=Value'/],
  ])('refuses a mistake with its line (%#)', (text, error) => {
    expect(() => parseRdqmIni(text)).toThrow(error)
  })

  it('names the node after QMQ_NODE, else the host name', () => {
    expect(selfNodeName({ QMQ_NODE: 'b' })).toBe('b')
    expect(selfNodeName({})).not.toBe('')
  })
})

describe('heartbeat settings', () => {
  it('the defaults give the core its default timing', () => {
    const settings = replicationSettingsOf(DEFAULT_HEARTBEAT)
    expect(settings).toEqual(DEFAULT_REPLICATION_SETTINGS)
  })

  it('slower times scale the core and stay valid', () => {
    const settings = replicationSettingsOf({
      ...DEFAULT_HEARTBEAT,
      keepaliveMs: 100,
      deadtimeMs: 2000,
    })
    expect(settings.heartbeatIntervalTicks).toBe(20)
    expect(settings.deadTimeTicks).toBe(400)
    expect(settings.electionTimeoutMinTicks).toBe(300)
    expect(settings.electionTimeoutMaxTicks).toBe(600)
    expect(() => checkSettings(settings)).not.toThrow()
  })
})
