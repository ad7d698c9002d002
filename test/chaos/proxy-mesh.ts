/**
 * The fault proxies of a 3-node group: one per replication pair (the lower-named node dials the
 * higher through a proxy on its own address) and one per node for clients. Both drivers wire
 * their groups through this mesh; only the ports they forward to differ.
 *
 *   a ──(proxy a→b on 127.0.0.1)──▶ b        clients ──(proxy on 127.0.0.x)──▶ listener on x
 *   a ──(proxy a→c on 127.0.0.1)──▶ c        (forward = dialer to target, backward = replies)
 *   b ──(proxy b→c on 127.0.0.2)──▶ c
 */
import { HOSTS, type NodeName } from '../../src/replication-group/member-group.js'
import { FaultProxy } from './fault-proxy.js'

export const PAIRS: readonly [NodeName, NodeName][] = [
  ['a', 'b'],
  ['a', 'c'],
  ['b', 'c'],
]

export interface MeshPorts {
  /** First of the three pair proxies' ports (on the dialing node's address). */
  readonly pairBase: number
  /** The port each node's replication listener has. */
  readonly replication: number
  /** The client proxies' port (on every node's address) and the listener they forward to. */
  readonly clientProxy: number
  readonly clientListener: number
}

export class ProxyMesh {
  private readonly pairs = new Map<string, FaultProxy>()
  private readonly clients: FaultProxy[] = []

  constructor(
    private readonly ports: MeshPorts,
    private readonly random: () => number,
  ) {}

  get connName(): string {
    return Object.values(HOSTS)
      .map((host) => `${host}(${this.ports.clientProxy})`)
      .join(',')
  }

  /** Where `from` dials `to` (from < to): its own pair proxy. */
  pairAddress(from: NodeName, to: NodeName): { host: string; port: number } {
    const index = PAIRS.findIndex(([x, y]) => x === from && y === to)
    return { host: HOSTS[from], port: this.ports.pairBase + index }
  }

  async start(): Promise<void> {
    for (const [from, to] of PAIRS) {
      const target = { host: HOSTS[to], port: this.ports.replication }
      const proxy = new FaultProxy(
        `${from}->${to}`,
        this.pairAddress(from, to),
        target,
        this.random,
      )
      await proxy.start()
      this.pairs.set(`${from}${to}`, proxy)
    }
    for (const [node, host] of Object.entries(HOSTS)) {
      const listen = { host, port: this.ports.clientProxy }
      const target = { host, port: this.ports.clientListener }
      const proxy = new FaultProxy(`clients->${node}`, listen, target, this.random)
      await proxy.start()
      this.clients.push(proxy)
    }
  }

  /** Holds every byte `from` sends to `to` until healed. */
  cut(from: string, to: string): void {
    const forward = this.pairs.get(`${from}${to}`)
    if (forward !== undefined) forward.set('forward', { blocked: true })
    else this.pairs.get(`${to}${from}`)!.set('backward', { blocked: true })
  }

  degrade(faults: { delayMs?: number; loss?: number }): void {
    for (const proxy of this.all()) {
      proxy.set('forward', faults)
      proxy.set('backward', faults)
    }
  }

  heal(): void {
    for (const proxy of this.all()) proxy.heal()
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((proxy) => proxy.close()))
  }

  private all(): FaultProxy[] {
    return [...this.pairs.values(), ...this.clients]
  }
}
