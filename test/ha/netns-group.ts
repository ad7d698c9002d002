/**
 * Test support: an HA group whose three nodes each live in their own network namespace, so a
 * test can cut one off from the other two (and from clients) by taking its link down, as a
 * network partition does. Needs root and `ip` (iproute2).
 *
 *   host:  bridge qmqb<id>  10.<a>.<b>.254/24   (the test's clients and commands reach the nodes)
 *            ├── veth qmqv<id><node> ══ ns qmqn<id><node>: eth 10.<a>.<b>.<1..3>/24, lo up
 *
 * Each node's commands run inside its namespace (`ip netns exec`), so the qmqd the first one
 * starts binds there; the control socket is a file, so commands and the test's `qmqd stop` reach
 * it from anywhere. A partition is `ip link set <veth> down` on the host side. Everything is
 * deleted by `destroy` (namespaces, veths, bridge); daemons are stopped by pid first.
 */
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import { join } from 'node:path'
import { commandPath, TestNode, type CommandResult } from '../cli/support.js'
import { HA_NODES, type GroupPorts, type HaNodeName } from './ha-nodes.js'

const COMMAND_TIMEOUT_MS = 60_000

function ip(...words: string[]): void {
  execFileSync('ip', words, { stdio: ['ignore', 'ignore', 'pipe'] })
}

export class NetnsGroup {
  readonly nodes = new Map<HaNodeName, TestNode>()
  readonly hosts: Record<HaNodeName, string>
  private readonly id: string
  private readonly subnet: string
  private made = false

  constructor() {
    this.id = `${process.pid % 100_000}`
    this.subnet = `10.${200 + (process.pid % 50)}.${process.pid % 250}`
    this.hosts = { a: `${this.subnet}.1`, b: `${this.subnet}.2`, c: `${this.subnet}.3` }
    for (const name of HA_NODES) this.nodes.set(name, new TestNode(`hn${name}`))
  }

  static available(): boolean {
    if (process.getuid?.() !== 0) return false
    try {
      execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' })
      return true
    } catch {
      return false
    }
  }

  private namespace(name: HaNodeName): string {
    return `qmqn${this.id}${name}`
  }

  private veth(name: HaNodeName): string {
    return `qmqv${this.id}${name}`
  }

  private get bridge(): string {
    return `qmqb${this.id}`
  }

  create(): void {
    this.made = true
    ip('link', 'add', this.bridge, 'type', 'bridge')
    ip('addr', 'add', `${this.subnet}.254/24`, 'dev', this.bridge)
    ip('link', 'set', this.bridge, 'up')
    for (const name of HA_NODES) {
      const namespace = this.namespace(name)
      const inner = `qmqp${this.id}${name}`
      ip('netns', 'add', namespace)
      ip('link', 'add', this.veth(name), 'type', 'veth', 'peer', 'name', inner, 'netns', namespace)
      ip('link', 'set', this.veth(name), 'master', this.bridge, 'up')
      ip('-n', namespace, 'addr', 'add', `${this.hosts[name]}/24`, 'dev', inner)
      ip('-n', namespace, 'link', 'set', inner, 'up')
      ip('-n', namespace, 'link', 'set', 'lo', 'up')
    }
  }

  rdqmIni(ports: GroupPorts): string {
    const nodes = HA_NODES.map(
      (name) => `Node:\n  Name=${name}\n  HA_Replication=${this.hosts[name]}\n`,
    )
    const extension = `QuorumMQ:\n  NodePort=${ports.node}\n  ReplicationFirstPort=${ports.replication}\n`
    return `${nodes.join('')}${extension}`
  }

  writeIni(ports: GroupPorts): void {
    for (const [, node] of this.nodes) {
      fs.writeFileSync(join(node.home, 'rdqm.ini'), this.rdqmIni(ports))
    }
  }

  connName(ports: GroupPorts): string {
    return HA_NODES.map((name) => `${this.hosts[name]}(${ports.listener})`).join(',')
  }

  /** A command as the node's administrator types it, inside the node's namespace. */
  run(name: HaNodeName, command: string, words: readonly string[] = [], input = '') {
    const node = this.nodes.get(name)!
    return new Promise<CommandResult>((resolve, reject) => {
      const child = spawn(
        'ip',
        ['netns', 'exec', this.namespace(name), process.execPath, commandPath(command), ...words],
        // The nodes' addresses are not loopback: the listener's plain TCP is allowed explicitly
        // (this test is about partitions, not TLS, which test/security covers).
        {
          env: {
            ...node.environment,
            QMQ_NODE: name,
            QMQ_LOG_LEVEL: 'info',
            QMQ_ALLOW_PLAINTEXT: '1',
          },
        },
      )
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`${command} ${words.join(' ')} did not finish: ${stdout}${stderr}`))
      }, COMMAND_TIMEOUT_MS)
      child.on('error', reject)
      child.on('close', (code) => {
        clearTimeout(timer)
        resolve({ code: code ?? -1, stdout, stderr })
      })
      child.stdin.end(input)
    })
  }

  /** Cuts the node off from the other two and from clients (its link down), or heals it. */
  partition(name: HaNodeName, cut: boolean): void {
    ip('link', 'set', this.veth(name), cut ? 'down' : 'up')
  }

  async destroy(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((node) => node.dispose()))
    if (!this.made) return
    for (const name of HA_NODES) {
      for (const words of [
        ['link', 'del', this.veth(name)],
        ['netns', 'del', this.namespace(name)],
      ]) {
        try {
          ip(...words)
        } catch {
          // not made, or gone with its namespace
        }
      }
    }
    try {
      ip('link', 'del', this.bridge)
    } catch {
      // not made
    }
  }
}
