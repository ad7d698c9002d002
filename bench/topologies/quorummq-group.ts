/**
 * A QuorumMQ HA group of three nodes on this machine, built with the commands only, as the
 * README's three-node quickstart does (127.0.0.1, .2, .3, the same ports on each):
 *
 *   rdqm.ini              identical on every node: Node: a/b/c, QuorumMQ: NodePort, first port
 *   qmqd run              per node, QMQ_HOME and QMQ_NODE of its own, the harness's own child
 *   rdqmadm -c            on each node: join the group
 *   crtmqm -sx -p PORT QM on node a: created on a, b and c
 *   strmqm QM             HA control on; the group elects a primary
 *   rdqmstatus -m QM --json   where the primary runs, and whether the others are in sync
 *   runmqsc QM            on the primary's node (runmqsc talks to the local daemon)
 *   endmqm -i QM          ended on every node, then SIGTERM to each daemon
 *
 * Clients get the connection-name list of the three listeners. The failover scenario kills the
 * primary's daemon (SIGKILL to the child's process group: qmqd runs its queue managers in
 * worker threads of that one process) and starts it again; a restarted qmqd rejoins its group.
 */
import { writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { sleepMs } from '../measure/clock.js'
import type { Endpoint, QueueAdministration, RunningTopology, TopologyFaults } from '../types.js'
import {
  UnavailableError,
  assertPortFree,
  createTemporaryDirectory,
  portBase,
  removeTemporaryDirectory,
  runCommand,
  spawnManaged,
  waitForPort,
  type ManagedProcess,
} from './processes.js'
import {
  DAEMON_STOP_GRACE_MS,
  QUORUMMQ_COMMANDS,
  STARTUP_TIMEOUT_MS,
  quorumMqInstalled,
  runQuorumMq,
  waitForDaemon,
  type QuorumMqCommandSet,
} from './quorummq.js'

const QUEUE_MANAGER = 'HAQMBENCH'
const NODES = ['a', 'b', 'c'] as const
const HOSTS: Readonly<Record<string, string>> = { a: '127.0.0.1', b: '127.0.0.2', c: '127.0.0.3' }
const POLL_MS = 100
const ADMIN_ATTEMPTS = 5

/** rdqm.ini of the group: RDQM's Node stanzas plus QuorumMQ's ports (below the ephemeral range). */
export function groupIni(nodePort: number, replicationPort: number): string {
  const nodes = NODES.map((name) => `Node:\n  Name=${name}\n  HA_Replication=${HOSTS[name]}\n`)
  return `${nodes.join('')}QuorumMQ:\n  NodePort=${nodePort}\n  ReplicationFirstPort=${replicationPort}\n`
}

interface StatusReport {
  readonly queueManagerStatus?: string
  readonly haRole?: string
  readonly haCurrentLocation?: string
  readonly nodes?: readonly { node: string; haStatus: string }[]
}

/** Where the primary runs, as one node's rdqmstatus says it, or undefined while none does. */
export function primaryFrom(report: StatusReport, reportingNode: string): string | undefined {
  const location = report.haCurrentLocation
  if (location === 'This node') return reportingNode
  return location !== undefined && (NODES as readonly string[]).includes(location)
    ? location
    : undefined
}

/** QMQ_BENCH_QMQD_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`) go before qmqd's script. */
function daemonCommand(commands: QuorumMqCommandSet): { executable: string; args: string[] } {
  const { executable, args } = commands.resolve('qmqd')
  const extra = (process.env['QMQ_BENCH_QMQD_NODE_ARGS'] ?? '').split(' ').filter(Boolean)
  return { executable, args: [...extra, ...args, 'run'] }
}

class Group {
  readonly daemons = new Map<string, ManagedProcess>()
  readonly listenerPort = portBase() + 311
  private readonly root = createTemporaryDirectory('quorummq-group')

  constructor(
    private readonly commands: QuorumMqCommandSet,
    private readonly log: (line: string) => void,
  ) {}

  environment(node: string): NodeJS.ProcessEnv {
    return { ...process.env, QMQ_HOME: join(this.root, node), QMQ_NODE: node }
  }

  command(node: string, command: 'rdqmadm' | 'crtmqm' | 'strmqm' | 'endmqm', args: string[]) {
    return runQuorumMq(this.commands, command, args, this.environment(node))
  }

  async startDaemon(node: string): Promise<void> {
    const { executable, args } = daemonCommand(this.commands)
    const home = join(this.root, node)
    const daemon = spawnManaged(`qmqd-${node}`, executable, args, {
      env: this.environment(node),
      logFile: join(home, 'qmqd.stdout.log'),
    })
    this.daemons.set(node, daemon)
    await waitForDaemon(this.commands, this.environment(node), daemon)
  }

  async build(): Promise<void> {
    const nodePort = portBase() + 321
    const replicationPort = portBase() + 331
    for (const node of NODES) {
      for (const port of [this.listenerPort, nodePort, replicationPort]) {
        await assertPortFree(port, HOSTS[node])
      }
      mkdirSync(join(this.root, node), { recursive: true })
      writeFileSync(join(this.root, node, 'rdqm.ini'), groupIni(nodePort, replicationPort))
    }
    this.log(`starting a QuorumMQ HA group ${QUEUE_MANAGER} (nodes a, b, c) under ${this.root}`)
    await Promise.all(NODES.map((node) => this.startDaemon(node)))
    for (const node of NODES) await this.command(node, 'rdqmadm', ['-c'])
    await this.command('a', 'crtmqm', ['-sx', '-p', String(this.listenerPort), QUEUE_MANAGER])
    await this.command('a', 'strmqm', [QUEUE_MANAGER])
  }

  async status(node: string): Promise<StatusReport | undefined> {
    const daemon = this.daemons.get(node)
    if (daemon === undefined || daemon.hasExited()) return undefined
    const { executable, args } = this.commands.resolve('rdqmstatus')
    const result = await runCommand(executable, [...args, '-m', QUEUE_MANAGER, '--json'], {
      env: this.environment(node),
      timeoutMs: 10_000,
    })
    if (result.code !== 0) return undefined
    try {
      return JSON.parse(result.stdout) as StatusReport
    } catch {
      return undefined
    }
  }

  async primaryNode(timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      for (const node of NODES) {
        const report = await this.status(node)
        const primary = report === undefined ? undefined : primaryFrom(report, node)
        if (primary !== undefined && this.daemons.get(primary)?.hasExited() === false) {
          return primary
        }
      }
      if (Date.now() > deadline) throw new Error(`no primary within ${timeoutMs} ms`)
      await sleepMs(POLL_MS)
    }
  }

  async waitForHealthyGroup(timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs
    let last = 'no status'
    for (;;) {
      const primary = await this.primaryNode(Math.max(1, deadline - Date.now()))
      const report = await this.status(primary)
      const others = report?.nodes ?? []
      last = JSON.stringify(report)
      // The primary's view of the others, and each other's own view: a restarted node is
      // `Normal` to the primary before its queue manager has finished starting as a standby.
      if (
        report?.queueManagerStatus === 'Running' &&
        others.length === NODES.length - 1 &&
        others.every((other) => other.haStatus === 'Normal') &&
        (await this.standbysReady(primary))
      ) {
        return primary
      }
      if (Date.now() > deadline) throw new Error(`group not healthy in ${timeoutMs} ms: ${last}`)
      await sleepMs(POLL_MS)
    }
  }

  private async standbysReady(primary: string): Promise<boolean> {
    for (const node of NODES) {
      if (node === primary) continue
      const report = await this.status(node)
      if (report?.queueManagerStatus !== 'Running elsewhere' || report.haRole !== 'Secondary') {
        return false
      }
    }
    return true
  }

  administration(): QueueAdministration {
    const runmqsc = async (script: string): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        const primary = await this.primaryNode(STARTUP_TIMEOUT_MS)
        try {
          await runQuorumMq(
            this.commands,
            'runmqsc',
            [QUEUE_MANAGER],
            this.environment(primary),
            script,
          )
          return
        } catch (error) {
          // The primary may have moved between rdqmstatus and runmqsc: ask again.
          if (attempt >= ADMIN_ATTEMPTS) throw error
          await sleepMs(500)
        }
      }
    }
    return {
      defineQueue: (queueName) =>
        runmqsc(`DEFINE QLOCAL(${queueName}) DEFPSIST(YES) MAXDEPTH(999999999) REPLACE\n`),
      deleteQueue: (queueName) => runmqsc(`DELETE QLOCAL(${queueName}) PURGE\n`),
    }
  }

  faults(): TopologyFaults {
    return {
      primaryNode: (timeoutMs) => this.primaryNode(timeoutMs),
      killNode: async (node) => {
        await this.daemons.get(node)?.kill('SIGKILL')
      },
      restartNode: (node) => this.startDaemon(node),
      waitForHealthyGroup: (timeoutMs) => this.waitForHealthyGroup(timeoutMs),
    }
  }

  async stop(started: boolean): Promise<void> {
    const live = NODES.find((node) => this.daemons.get(node)?.hasExited() === false)
    if (started && live !== undefined) {
      await this.command(live, 'endmqm', ['-i', QUEUE_MANAGER]).catch((error: unknown) =>
        this.log(`warning: endmqm failed: ${String(error)}`),
      )
    }
    await Promise.all([...this.daemons.values()].map((daemon) => daemon.stop(DAEMON_STOP_GRACE_MS)))
    removeTemporaryDirectory(this.root)
  }
}

export async function startQuorumMqGroup(
  log: (line: string) => void,
  commands = QUORUMMQ_COMMANDS,
): Promise<RunningTopology> {
  const missing = quorumMqInstalled(commands, [
    'qmqd',
    'rdqmadm',
    'crtmqm',
    'strmqm',
    'endmqm',
    'runmqsc',
    'rdqmstatus',
  ])
  if (missing !== undefined) throw new UnavailableError(missing)
  const group = new Group(commands, log)
  let started = false
  try {
    await group.build()
    started = true
    const primary = await group.waitForHealthyGroup(STARTUP_TIMEOUT_MS)
    await waitForPort(group.listenerPort, STARTUP_TIMEOUT_MS, HOSTS[primary])
    log(`QuorumMQ group ${QUEUE_MANAGER}: primary on node ${primary}, all nodes in sync`)
    const endpoints: Endpoint[] = NODES.map((node) => ({
      host: HOSTS[node] as string,
      port: group.listenerPort,
    }))
    return {
      info: {
        name: 'cluster3',
        nodeCount: NODES.length,
        endpoints,
        queueManagerName: QUEUE_MANAGER,
        administration: group.administration(),
        faults: group.faults(),
      },
      serverVersion: 'QuorumMQ HA group (this package)',
      stop: () => group.stop(started),
    }
  } catch (error) {
    await group.stop(started)
    throw error
  }
}
