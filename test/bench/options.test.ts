import { describe, expect, it } from 'vitest'
import { PEER_PLAN, parseCommandLine } from '../../bench/options.js'
import { PRESETS } from '../../bench/parameters.js'
import { parseConnectionNames } from '../../bench/topologies/index.js'
import { natsConfiguration } from '../../bench/topologies/nats.js'
import { groupIni, primaryFrom } from '../../bench/topologies/quorummq-group.js'
import { decadeTicks, logRange } from '../../bench/report/svg.js'

function run(argv: string[]) {
  const parsed = parseCommandLine(argv, '/tmp/out')
  if (parsed.kind !== 'run') throw new Error(`expected a run, got ${parsed.kind}`)
  return parsed.options
}

describe('command line', () => {
  it('defaults to every system on one node, all scenarios, the full preset', () => {
    const options = run([])
    expect(options.mode).toBe('full')
    expect(options.plan.map((entry) => entry.system)).toEqual([
      'quorummq',
      'rabbitmq',
      'rabbitmq-classic',
      'nats',
    ])
    expect(options.scenarios).toHaveLength(6)
    expect(options.scenarios).not.toContain('failover')
    expect(options.parameters).toEqual(PRESETS.full)
  })

  it('builds the peer plan, filtered by --system', () => {
    expect(run(['--peers']).plan).toEqual(PEER_PLAN)
    expect(run(['--peers', '--system', 'nats']).plan).toEqual([
      { system: 'nats', topology: 'single' },
      { system: 'nats', topology: 'cluster3' },
    ])
  })

  it('crosses systems and topologies and applies overrides', () => {
    const options = run([
      '--quick',
      '--system',
      'rabbitmq,nats',
      '--topology',
      'cluster3',
      '--scenario',
      'pipelined',
      '--sizes',
      '100,1024',
      '--persistence',
      'persistent',
      '--duration-seconds',
      '3',
    ])
    expect(options.plan).toEqual([
      { system: 'rabbitmq', topology: 'cluster3' },
      { system: 'nats', topology: 'cluster3' },
    ])
    expect(options.scenarios).toEqual(['pipelined'])
    expect(options.parameters.messageSizesBytes).toEqual([100, 1024])
    expect(options.parameters.persistenceModes).toEqual([true])
    expect(options.parameters.durationSeconds).toBe(3)
    const failover = run(['--scenario', 'failover', '--failover-kills', '5'])
    expect(failover.scenarios).toEqual(['failover'])
    expect(failover.parameters.failoverKills).toBe(5)
  })

  it('rejects unknown names', () => {
    expect(() => run(['--system', 'kafka'])).toThrow(/unknown value "kafka"/)
    expect(() => run(['--persistence', 'sometimes'])).toThrow(/--persistence/)
  })

  it('parses MQ connection names', () => {
    expect(parseConnectionNames('127.0.0.1(1414), localhost(1415)')).toEqual([
      { host: '127.0.0.1', port: 1414 },
      { host: 'localhost', port: 1415 },
    ])
    expect(parseConnectionNames('127.0.0.1:4222')).toEqual([{ host: '127.0.0.1', port: 4222 }])
    expect(() => parseConnectionNames('nonsense')).toThrow(/host\(port\)/)
    expect(run(['--conn', '127.0.0.1(1414)']).existing).toEqual([{ host: '127.0.0.1', port: 1414 }])
  })
})

describe('topology configuration', () => {
  it('writes one rdqm.ini for the QuorumMQ group and reads the primary from rdqmstatus', () => {
    const ini = groupIni(21321, 21331)
    expect(ini).toContain('Node:\n  Name=b\n  HA_Replication=127.0.0.2\n')
    expect(ini).toContain('QuorumMQ:\n  NodePort=21321\n  ReplicationFirstPort=21331\n')
    expect(primaryFrom({ haCurrentLocation: 'This node' }, 'c')).toBe('c')
    expect(primaryFrom({ haCurrentLocation: 'b' }, 'a')).toBe('b')
    expect(primaryFrom({ haCurrentLocation: 'None' }, 'a')).toBeUndefined()
    expect(primaryFrom({}, 'a')).toBeUndefined()
  })

  it('binds NATS to loopback and routes a cluster through every node', () => {
    const servers = [1, 2, 3].map((index) => ({
      index,
      serverName: `n${index}`,
      clientPort: 4220 + index,
      clusterPort: 6220 + index,
      monitorPort: 8220 + index,
      directory: `/tmp/n${index}`,
    }))
    const config = natsConfiguration(servers[1] as (typeof servers)[number], servers)
    expect(config).toContain('listen: 127.0.0.1:4222')
    expect(config).toContain('http: 127.0.0.1:8222')
    expect(config).toContain('listen: 127.0.0.1:6222')
    expect(config).toContain('nats-route://127.0.0.1:6221, nats-route://127.0.0.1:6222')
    expect(
      natsConfiguration(servers[0] as (typeof servers)[number], servers.slice(0, 1)),
    ).not.toContain('cluster')
  })
})

describe('chart axes', () => {
  it('spans whole decades around the data', () => {
    expect(logRange([150, 9000])).toEqual({ min: 100, max: 10_000 })
    expect(logRange([])).toEqual({ min: 1, max: 10 })
    expect(logRange([1000])).toEqual({ min: 1000, max: 10_000 })
  })

  it('adds 2× and 5× ticks on short log axes only', () => {
    expect(decadeTicks(1000, 10_000, String).map((tick) => tick.value)).toEqual([
      1000, 2000, 5000, 10_000,
    ])
    expect(decadeTicks(1, 10_000, String).map((tick) => tick.value)).toEqual([
      1, 10, 100, 1000, 10_000,
    ])
  })
})
