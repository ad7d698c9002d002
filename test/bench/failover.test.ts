/**
 * The failover scenario's bookkeeping against the in-process system, with faults that stand in
 * for kill -9 and restart: a kill may make the system drop or duplicate one acknowledged
 * message, which the drain at the end must report. (The real group is exercised by
 * `qmq-bench --topology cluster3 --scenario failover`, not here.)
 */
import { describe, expect, it } from 'vitest'
import { PRESETS } from '../../bench/parameters.js'
import type { ScenarioContext } from '../../bench/scenarios/common.js'
import { failoverScenario } from '../../bench/scenarios/failover.js'
import { createInMemoryAdapter } from '../../bench/systems/in-memory.js'
import type { SystemAdapter, TopologyFaults, TopologyInfo } from '../../bench/types.js'

type Fault = 'none' | 'drop' | 'duplicate'

/** The in-memory system, whose next put after a kill is dropped or stored twice. */
function faultySystem(fault: Fault): { system: SystemAdapter; faults: TopologyFaults } {
  const inner = createInMemoryAdapter()
  let pending = false
  const kills: string[] = []
  const system: SystemAdapter = {
    ...inner,
    open: async (topology, queueName, persistent) => {
      const session = await inner.open(topology, queueName, persistent)
      return {
        ...session,
        get: (waitMs, options) => session.get(waitMs, options),
        consume: (prefetch) => session.consume(prefetch),
        commit: () => session.commit(),
        close: () => session.close(),
        put: async (body, options) => {
          if (pending && fault !== 'none') {
            pending = false
            if (fault === 'drop') return
            await session.put(body, options)
          }
          await session.put(body, options)
        },
      }
    },
  }
  const faults: TopologyFaults = {
    primaryNode: async () => 'a',
    waitForHealthyGroup: async () => 'a',
    killNode: async (node) => {
      kills.push(node)
      pending = true
    },
    restartNode: async () => {},
  }
  return { system, faults }
}

async function runFailover(fault: Fault, kills: number) {
  const { system, faults } = faultySystem(fault)
  const topology: TopologyInfo = {
    name: 'cluster3',
    nodeCount: 3,
    endpoints: [{ host: '127.0.0.1', port: 0 }],
    faults,
  }
  const context: ScenarioContext = {
    system,
    topology,
    systemVersion: 'test',
    parameters: { ...PRESETS.quick, connections: 2, failoverKills: kills },
    capacityCache: new Map(),
    log: () => {},
  }
  return failoverScenario.run(context, { persistent: true, messageBytes: 64 })
}

function noteValue(notes: readonly string[] | undefined, label: string): number {
  const line = notes?.find((note) => note.startsWith(label))
  const match = line === undefined ? null : /: (\d+)/.exec(line)
  if (match === null) throw new Error(`no "${label}" note in ${JSON.stringify(notes)}`)
  return Number(match[1])
}

describe('failover scenario', () => {
  it('records a gap per producer per kill and finds nothing lost or repeated', async () => {
    const result = await runFailover('none', 2)
    expect(result.latencies.gap?.count).toBe(2 * 2)
    expect(result.messages).toBeGreaterThan(0)
    expect(noteValue(result.notes, 'kills')).toBe(2)
    expect(noteValue(result.notes, 'acknowledged messages lost')).toBe(0)
    expect(noteValue(result.notes, 'messages got more than once')).toBe(0)
  })

  it('reports an acknowledged message the system dropped', async () => {
    const result = await runFailover('drop', 1)
    expect(noteValue(result.notes, 'acknowledged messages lost')).toBe(1)
    expect(noteValue(result.notes, 'messages got more than once')).toBe(0)
  })

  it('reports a message delivered twice', async () => {
    const result = await runFailover('duplicate', 1)
    expect(noteValue(result.notes, 'acknowledged messages lost')).toBe(0)
    expect(noteValue(result.notes, 'messages got more than once')).toBe(1)
  })

  it('refuses a topology that cannot kill its primary, and non-persistent messages', async () => {
    const context = {
      system: createInMemoryAdapter(),
      topology: { name: 'single', nodeCount: 1, endpoints: [] },
      systemVersion: 'test',
      parameters: PRESETS.quick,
      capacityCache: new Map(),
      log: () => {},
    } satisfies ScenarioContext
    await expect(
      failoverScenario.run(context, { persistent: true, messageBytes: 64 }),
    ).rejects.toThrow(/kill its primary/)
    const { system, faults } = faultySystem('none')
    const group = { ...context, system, topology: { ...context.topology, faults } }
    await expect(
      failoverScenario.run(group, { persistent: false, messageBytes: 64 }),
    ).rejects.toThrow(/persistent messages only/)
  })
})
