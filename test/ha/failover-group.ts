/**
 * Test support for the failover proofs (test/ha/ha-failover.test.ts, test/soak/ha-failover):
 * one HA queue manager on a group of three qmqd on 127.0.0.1..3 (ha-nodes.ts) built through the
 * commands, with a hook in each QMQ_HOME/hooks that appends its arguments to a file, qmgr.json
 * tuned before the first start (small segments and checkpoints, little log kept for a slow
 * member), a reconnecting putter, and rdqmstatus polled until its fields say what a step
 * expects. Every daemon is stopped by its pid (dispose).
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import { connect, type QueueManagerConnection } from '../../src/client/index.js'
import type { ClientTlsOptions } from '../../src/client/connect-options.js'
import { Persistence } from '../../src/queue/types.js'
import { browseAll, countOf } from '../replication-runtime/client-work.js'
import {
  HA_HOSTS,
  HA_NODES,
  HaTestNode,
  peerStatuses,
  rdqmIni,
  statusFields,
  type GroupPorts,
  type HaNodeName,
} from './ha-nodes.js'

const LOGGED = { QMQ_LOG_LEVEL: 'info' }
const PUT_ABANDON_MS = 3_000
const HOOK = `#!/bin/sh
echo "$1 $2 $3 prev=$QMQ_HOOK_PREVIOUS_ROLE node=$QMQ_HOOK_NODE" >> "$QMQ_HOME/hook-calls.log"
`

export async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`never: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

type Accept = (fields: Map<string, string>, peers: Map<string, string>) => boolean

export class FailoverGroup {
  readonly nodes = new Map(HA_NODES.map((name) => [name, new HaTestNode(name)]))

  constructor(
    readonly queueManager: string,
    readonly ports: GroupPorts,
    /** TLS on the HA listener: key.pem and cert.pem copied into every node's ssl/. */
    private readonly tls?: { serverDirectory: string; client: ClientTlsOptions },
  ) {}

  node(name: HaNodeName): HaTestNode {
    return this.nodes.get(name)!
  }

  dispose(): Promise<unknown> {
    return Promise.all([...this.nodes.values()].map((each) => each.node.dispose()))
  }

  run(on: HaNodeName, command: string, words: string[] = []) {
    return this.node(on).node.run(command, words, { env: { QMQ_NODE: on, ...LOGGED } })
  }

  get connName(): string {
    return HA_NODES.map((name) => `${HA_HOSTS[name]}(${this.ports.listener})`).join(',')
  }

  async connect(): Promise<QueueManagerConnection> {
    const deadline = Date.now() + 30_000
    for (;;) {
      try {
        return await connect({
          connName: this.connName,
          queueManager: this.queueManager,
          connectTimeoutMs: 1_000,
          heartbeatMs: 500,
          ...(this.tls === undefined ? {} : { tls: this.tls.client }),
        })
      } catch (error) {
        if (Date.now() > deadline) throw error
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
  }

  async statusUntil(on: HaNodeName, accept: Accept) {
    let last = ''
    try {
      return await until(`rdqmstatus on ${on}`, async () => {
        const result = await this.run(on, 'rdqmstatus', ['-m', this.queueManager])
        last = result.stdout
        const fields = statusFields(result.stdout)
        const peers = peerStatuses(result.stdout)
        return accept(fields, peers) ? { fields, peers, output: result.stdout } : undefined
      })
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${last}`)
    }
  }

  hookCalls(on: HaNodeName): string[] {
    try {
      return fs
        .readFileSync(join(this.node(on).node.home, 'hook-calls.log'), 'utf8')
        .trim()
        .split('\n')
    } catch {
      return []
    }
  }

  daemonLog(on: HaNodeName): string {
    const logs = join(this.node(on).node.home, 'logs')
    return fs
      .readdirSync(logs)
      .filter((file) => file.endsWith('.log'))
      .map((file) => fs.readFileSync(join(logs, file), 'utf8'))
      .join('')
  }

  /** Joins, creates with the hooks and small log settings, starts; returns the primary. */
  async build(queues: readonly string[]): Promise<HaNodeName> {
    const qm = this.queueManager
    for (const name of HA_NODES) {
      this.node(name).writeIni(rdqmIni(this.ports))
      const hooks = join(this.node(name).node.home, 'hooks')
      fs.mkdirSync(hooks, { recursive: true })
      fs.writeFileSync(join(hooks, '10-record'), HOOK, { mode: 0o755 })
      fs.writeFileSync(join(hooks, '.ignored'), HOOK, { mode: 0o755 })
      expect((await this.run(name, 'rdqmadm', ['-c'])).code).toBe(0)
    }
    const created = await this.run('a', 'crtmqm', ['-sx', '-p', `${this.ports.listener}`, qm])
    expect(created.code, created.stderr).toBe(0)
    for (const name of HA_NODES) {
      const file = join(this.node(name).node.home, 'qmgrs', qm, 'qmgr.json')
      const config = JSON.parse(fs.readFileSync(file, 'utf8'))
      config.ha = {
        ...config.ha,
        segmentBytes: 64 * 1024,
        checkpointIntervalBytes: 128 * 1024,
        retainMaxBytes: 256 * 1024,
      }
      fs.writeFileSync(file, JSON.stringify(config))
      if (this.tls !== undefined) {
        const ssl = join(this.node(name).node.home, 'qmgrs', qm, 'ssl')
        fs.mkdirSync(ssl, { recursive: true })
        for (const file of ['key.pem', 'cert.pem']) {
          fs.copyFileSync(join(this.tls.serverDirectory, file), join(ssl, file))
        }
      }
    }
    const started = await this.run('b', 'strmqm', [qm])
    expect(started.code, started.stderr).toBe(0)
    const primary = /running on node '(\w)'/.exec(started.stdout)?.[1] as HaNodeName | undefined
    expect(primary, started.stdout).toBeDefined()
    const input = queues.map((queue) => `DEFINE QLOCAL(${queue}) MAXDEPTH(100000)\n`).join('')
    const mqsc = await this.node(primary!).node.run('runmqsc', [qm], {
      input,
      env: { QMQ_NODE: primary! },
    })
    expect(mqsc.code, mqsc.stdout).toBe(0)
    await until('primary hook', async () =>
      this.hookCalls(primary!).some((line) => line.startsWith(`${qm} primary `)) ? true : undefined,
    )
    for (const name of HA_NODES.filter((each) => each !== primary)) {
      const calls = this.hookCalls(name)
      expect(calls.some((line) => line.startsWith(`${qm} secondary 0 prev=`))).toBe(true)
    }
    return primary!
  }

  /** endmqm, every node's last hook call `ended`, dltmqm. */
  async endAndDelete(): Promise<void> {
    const qm = this.queueManager
    expect((await this.run('a', 'endmqm', [qm])).code).toBe(0)
    for (const name of HA_NODES) {
      expect(this.hookCalls(name).at(-1)).toMatch(new RegExp(`^${qm} ended \\d+ `))
    }
    expect((await this.run('b', 'dltmqm', [qm])).code).toBe(0)
  }

  async expectExactlyOnce(putter: Putter): Promise<void> {
    const connection = await this.connect()
    try {
      const counts = countOf(await browseAll(connection))
      for (const body of putter.acked) expect(counts.get(body), body).toBe(1)
      for (const body of putter.uncertain) expect(counts.get(body) ?? 0).toBeLessThanOrEqual(1)
    } finally {
      await connection.close()
    }
  }
}

/** Persistent puts one after another to APP.Q, reconnecting after a failure, until stopped. */
export class Putter {
  readonly acked: string[] = []
  readonly uncertain: string[] = []
  private stopped = false
  readonly done: Promise<void>

  constructor(
    private readonly group: FailoverGroup,
    private readonly prefix: string,
  ) {
    this.done = this.run()
  }

  stop(): Promise<void> {
    this.stopped = true
    return this.done
  }

  private async run(): Promise<void> {
    let index = 0
    while (!this.stopped) {
      const connection = await this.group.connect().catch(() => undefined)
      if (connection === undefined) continue
      try {
        const queue = await connection.open('APP.Q', { output: true })
        while (!this.stopped) {
          const body = `${this.prefix}-${index++}`
          // A frozen primary answers nothing: a put without an answer is abandoned (uncertain).
          const put = queue.put(body, { persistence: Persistence.PERSISTENT }).then(() => true)
          put.catch(() => undefined)
          const abandon = new Promise<false>((resolve) => {
            setTimeout(() => resolve(false), PUT_ABANDON_MS).unref()
          })
          if (!(await Promise.race([put, abandon]).catch(() => false))) {
            this.uncertain.push(body)
            break
          }
          this.acked.push(body)
        }
      } catch {
        // The primary went away: connect again to whichever node serves now.
      } finally {
        void connection.close().catch(() => undefined)
      }
    }
  }

  async waitForAcks(count: number): Promise<void> {
    await until(`${count} acks`, async () => (this.acked.length >= count ? true : undefined))
  }
}
