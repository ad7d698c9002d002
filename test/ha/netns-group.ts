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
 *
 * Names and the subnet derive from the test process's pid, so concurrent runs cannot collide;
 * a run killed before its `destroy` leaves namespaces named after a pid that no longer runs,
 * and the next `create` deletes those (and any left under its own pid by an earlier process).
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

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export class NetnsGroup {
  readonly nodes = new Map<HaNodeName, TestNode>()
  readonly hosts: Record<HaNodeName, string>
  private readonly id: string
  private readonly subnet: string
  private made = false

  constructor() {
    // pid_max is at most 2^22: seven digits keep every link name within IFNAMSIZ (15).
    this.id = `${process.pid}`
    // 10.128.0.0/9 split into /24s by pid: distinct for every pid below 2^15 (Linux's default
    // pid_max); create() refuses a subnet already on the host rather than share it.
    const slot = process.pid % 32_768
    this.subnet = `10.${128 + (slot >> 8)}.${slot & 0xff}`
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
    NetnsGroup.sweepStale()
    const taken = execFileSync('ip', ['-o', '-4', 'addr'], { encoding: 'utf8' })
    if (taken.includes(` ${this.subnet}.`)) throw new Error(`subnet ${this.subnet}.0/24 in use`)
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

  /** Namespaces of runs whose process is gone (or of an earlier process with this pid). */
  private static sweepStale(): void {
    const listed =
      execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }) +
      execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' })
    const pids = new Set([...listed.matchAll(/\bqmq[nvb](\d+)/g)].map((match) => Number(match[1])))
    for (const pid of pids) {
      if (pid !== process.pid && processAlive(pid)) continue
      const words = HA_NODES.flatMap((name) => [
        ['link', 'del', `qmqv${pid}${name}`],
        ['netns', 'del', `qmqn${pid}${name}`],
      ])
      for (const command of [...words, ['link', 'del', `qmqb${pid}`]]) {
        try {
          ip(...command)
        } catch {
          // already gone, or never made
        }
      }
    }
  }

  /** This run's namespaces still present (a test checks destroy left none). */
  leftovers(): string[] {
    const listed = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    const links = execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' })
    const names = [...HA_NODES.map((name) => this.namespace(name)), this.bridge]
    return names.filter(
      (name) => listed.includes(name) || links.includes(`${name}:`) || links.includes(`${name}@`),
    )
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
