/**
 * Topology registry: which servers to start for a server kind and a topology name, or how to
 * reach servers that are already running (--conn).
 */
import type { Endpoint, RunningTopology, ServerKind, TopologyName } from '../types.js'
import { startNats } from './nats.js'
import { startQuorumMq, runmqscAdministration } from './quorummq.js'
import { startQuorumMqGroup } from './quorummq-group.js'
import { startRabbitMq } from './rabbitmq.js'

export interface TopologyRequest {
  readonly serverKind: ServerKind
  readonly topology: TopologyName
  /** Servers that are already running: nothing is started or stopped. */
  readonly existing?: readonly Endpoint[]
  /** Queue manager of an existing QuorumMQ (queues are defined with runmqsc under QMQ_HOME). */
  readonly queueManager?: string
  readonly log: (line: string) => void
}

export function nodeCountOf(topology: TopologyName): number {
  return topology === 'cluster3' ? 3 : 1
}

/** Parses MQ CONNAME lists: `host(port)[,host(port)...]`; `host:port` is accepted too. */
export function parseConnectionNames(text: string): Endpoint[] {
  return text.split(',').map((part) => {
    const trimmed = part.trim()
    const match = /^([^()]+)\((\d+)\)$/.exec(trimmed) ?? /^([^:]+):(\d+)$/.exec(trimmed)
    if (match === null) throw new Error(`--conn: expected host(port), got "${trimmed}"`)
    return { host: match[1] as string, port: Number.parseInt(match[2] as string, 10) }
  })
}

function existingTopology(request: TopologyRequest, endpoints: readonly Endpoint[]) {
  const queueManagerName = request.queueManager ?? 'QM1'
  const running: RunningTopology = {
    info: {
      name: request.topology,
      nodeCount: nodeCountOf(request.topology),
      endpoints,
      ...(request.serverKind === 'quorummq'
        ? {
            queueManagerName,
            administration: runmqscAdministration(queueManagerName, process.env),
          }
        : {}),
    },
    serverVersion: 'existing server',
    stop: async () => {},
  }
  return running
}

export async function startTopology(request: TopologyRequest): Promise<RunningTopology> {
  if (request.existing !== undefined) return existingTopology(request, request.existing)
  switch (request.serverKind) {
    case 'rabbitmq':
      return startRabbitMq(request.topology, request.log)
    case 'nats':
      return startNats(request.topology, request.log)
    case 'quorummq':
      return request.topology === 'cluster3'
        ? startQuorumMqGroup(request.log)
        : startQuorumMq(request.topology, request.log)
    case 'in-process':
      return {
        info: { name: request.topology, nodeCount: 1, endpoints: [{ host: '127.0.0.1', port: 0 }] },
        serverVersion: `node ${process.version}`,
        stop: async () => {},
      }
  }
}
