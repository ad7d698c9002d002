/**
 * Test support: an HA group of three qmqd nodes on one machine, as the README's quickstart builds
 * it: 127.0.0.1..3 with the same ports, each node its own QMQ_HOME and QMQ_NODE, rdqm.ini written
 * identically into each. Commands run as a user runs them (dist/src/cli, so build first); every
 * daemon is stopped by its pid at the end (test/cli/support.ts's TestNode).
 */
import fs from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import { TestNode, type CommandResult } from '../cli/support.js'

export const HA_NODES = ['a', 'b', 'c'] as const
export type HaNodeName = (typeof HA_NODES)[number]
export const HA_HOSTS: Record<HaNodeName, string> = {
  a: '127.0.0.1',
  b: '127.0.0.2',
  c: '127.0.0.3',
}

export interface GroupPorts {
  /** Node channel (rdqm.ini QuorumMQ NodePort). */
  readonly node: number
  /** First replication port (QuorumMQ ReplicationFirstPort); the first HA QM gets it. */
  readonly replication: number
  /** The HA queue manager's listener (crtmqm -p). */
  readonly listener: number
}

export class HaTestNode {
  readonly node: TestNode

  constructor(readonly name: HaNodeName) {
    this.node = new TestNode(`ha${name}`)
  }

  run(command: string, words: readonly string[] = []): Promise<CommandResult> {
    return this.node.run(command, words, { env: { QMQ_NODE: this.name } })
  }

  daemonPid(): number | undefined {
    return this.node.daemonPid()
  }

  writeIni(text: string): void {
    fs.writeFileSync(join(this.node.home, 'rdqm.ini'), text)
  }
}

export function rdqmIni(ports: GroupPorts): string {
  const nodes = HA_NODES.map(
    (name) => `Node:\n  Name=${name}\n  HA_Replication=${HA_HOSTS[name]}\n`,
  )
  const extension = `QuorumMQ:\n  NodePort=${ports.node}\n  ReplicationFirstPort=${ports.replication}\n`
  return `${nodes.join('')}${extension}`
}

/**
 * Three consecutive ports below Linux's ephemeral range (32768-60999), bindable on all three
 * hosts (a node that cannot bind leaves the group without quorum).
 */
export async function groupPorts(): Promise<GroupPorts> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + 4 * Math.floor(Math.random() * 3_000)
    const checks = Object.values(HA_HOSTS).flatMap((host) =>
      [0, 1, 2].map((offset) => bindable(host, base + offset)),
    )
    if ((await Promise.all(checks)).every(Boolean)) {
      return { node: base, replication: base + 1, listener: base + 2 }
    }
  }
  throw new Error('no three free ports below the ephemeral range on all three hosts')
}

function bindable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', () => resolve(false))
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)))
  })
}

/** `Label: value` fields of rdqmstatus output, the first of each label (this node's). */
export function statusFields(output: string): Map<string, string> {
  const fields = new Map<string, string>()
  for (const line of output.split('\n')) {
    const match = /^([A-Za-z ]+):\s+(.*)$/.exec(line)
    if (match !== null && !fields.has(match[1]!)) fields.set(match[1]!, match[2]!.trim())
  }
  return fields
}

/** The other nodes' blocks of `rdqmstatus -m`: node name to its HA status. */
export function peerStatuses(output: string): Map<string, string> {
  const statuses = new Map<string, string>()
  const blocks = output.split('\n\n').slice(1)
  for (const block of blocks) {
    const node = /^Node:\s+(\S+)/m.exec(block)?.[1]
    const status = /^HA status:\s+(.*)$/m.exec(block)?.[1]
    if (node !== undefined && status !== undefined) statuses.set(node, status.trim())
  }
  return statuses
}
