/**
 * RabbitMQ single node or 3-node cluster on one machine (RabbitMQ's "cluster on a single machine"
 * method, shared/reference/peers.md section 7). Every node is a foreground child of the harness
 * with its own node name, AMQP and distribution ports, data and log directories in a temp dir,
 * all bound to 127.0.0.1; the harness also runs its own epmd on its own port, so neither a system
 * RabbitMQ service nor the default epmd on 4369 is touched or needed.
 */
import { writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Endpoint, RunningTopology, TopologyName } from '../types.js'
import {
  UnavailableError,
  assertPortFree,
  createTemporaryDirectory,
  findExecutable,
  portBase,
  removeTemporaryDirectory,
  runChecked,
  spawnManaged,
  tailOf,
  waitForPort,
  type ManagedProcess,
} from './processes.js'

/** Debian keeps the real scripts here; the /usr/sbin wrappers would su to the rabbitmq user. */
const RABBITMQ_SCRIPTS = process.env['QMQ_BENCH_RABBITMQ_BIN'] ?? '/usr/lib/rabbitmq/bin'
const STARTUP_TIMEOUT_SECONDS = 120
const STOP_GRACE_MS = 30_000
/**
 * Schedulers that busy-wait for work would spin on a 2-core machine shared by three nodes and
 * the load generator; RabbitMQ's guidance for CPU-constrained hosts is to turn it off.
 */
const DEFAULT_ERLANG_ARGUMENTS = '+sbwt none +sbwtdcpu none +sbwtdio none'

interface NodePlan {
  readonly index: number
  readonly nodeName: string
  readonly amqpPort: number
  readonly distributionPort: number
  readonly directory: string
}

function planNodes(directory: string, nodeCount: number): NodePlan[] {
  const base = portBase()
  return Array.from({ length: nodeCount }, (_, offset) => {
    const index = offset + 1
    return {
      index,
      nodeName: `qmqbench${index}@localhost`,
      amqpPort: base + 110 + index,
      distributionPort: base + 120 + index,
      directory: join(directory, `node${index}`),
    }
  })
}

function commonEnvironment(directory: string, epmdPort: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // Servers and rabbitmqctl share this HOME, hence the same ~/.erlang.cookie.
    HOME: join(directory, 'home'),
    ERL_EPMD_PORT: String(epmdPort),
    RABBITMQ_CONF_ENV_FILE: join(directory, 'rabbitmq-env.conf'),
    LC_ALL: 'C.UTF-8',
    LANG: 'C.UTF-8',
  }
}

function nodeEnvironment(common: NodeJS.ProcessEnv, node: NodePlan, directory: string) {
  return {
    ...common,
    RABBITMQ_NODENAME: node.nodeName,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(node.amqpPort),
    RABBITMQ_DIST_PORT: String(node.distributionPort),
    RABBITMQ_MNESIA_BASE: join(node.directory, 'mnesia'),
    RABBITMQ_LOG_BASE: join(node.directory, 'log'),
    RABBITMQ_CONFIG_FILE: join(node.directory, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(directory, 'enabled_plugins'),
    RABBITMQ_PID_FILE: join(node.directory, 'rabbitmq.pid'),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS:
      '-kernel inet_dist_use_interface {127,0,0,1} ' +
      (process.env['QMQ_BENCH_RABBITMQ_ERL_ARGS'] ?? DEFAULT_ERLANG_ARGUMENTS),
  }
}

function writeNodeFiles(node: NodePlan): void {
  mkdirSync(join(node.directory, 'log'), { recursive: true })
  const config = [
    `listeners.tcp.1 = 127.0.0.1:${node.amqpPort}`,
    // The default (50 MB) would do; explicit so a full temp disk fails loudly, not by blocking.
    'disk_free_limit.absolute = 50MB',
    'log.file.level = info',
    '',
  ].join('\n')
  writeFileSync(join(node.directory, 'rabbitmq.conf'), config)
}

export function rabbitMqInstalled(): string | undefined {
  const server = findExecutable(join(RABBITMQ_SCRIPTS, 'rabbitmq-server'))
  const epmd = findExecutable('epmd')
  if (server === undefined || epmd === undefined) {
    return 'rabbitmq-server is not installed (npm run peers:install)'
  }
  return undefined
}

async function startNode(
  node: NodePlan,
  environment: NodeJS.ProcessEnv,
  control: (node: NodePlan, args: string[]) => Promise<string>,
  track: (server: ManagedProcess) => void,
): Promise<void> {
  const server = spawnManaged(node.nodeName, join(RABBITMQ_SCRIPTS, 'rabbitmq-server'), [], {
    env: environment,
    logFile: join(node.directory, 'stdout.log'),
  })
  track(server)
  let starting = true
  // await_startup fails at once while the node has not registered with epmd yet; the AMQP
  // listener opens late in the boot, so wait for it first and confirm with await_startup.
  const started = waitForPort(node.amqpPort, STARTUP_TIMEOUT_SECONDS * 1000).then(() =>
    control(node, ['await_startup', '--timeout', String(STARTUP_TIMEOUT_SECONDS)]),
  )
  // Whichever of the two loses the race must not surface later as an unhandled rejection.
  started.catch(() => undefined)
  const died = server.exited.then((code) => {
    if (!starting) return
    throw new Error(
      `${node.nodeName} exited with ${code} during startup:\n${tailOf(server.logFile)}`,
    )
  })
  try {
    await Promise.race([started, died])
  } finally {
    starting = false
  }
}

export async function startRabbitMq(
  topology: TopologyName,
  log: (line: string) => void,
): Promise<RunningTopology> {
  const missing = rabbitMqInstalled()
  if (missing !== undefined) throw new UnavailableError(missing)
  const nodeCount = topology === 'cluster3' ? 3 : 1
  const directory = createTemporaryDirectory('rabbitmq')
  const epmdPort = portBase() + 100
  const nodes = planNodes(directory, nodeCount)
  for (const port of [epmdPort, ...nodes.flatMap((n) => [n.amqpPort, n.distributionPort])]) {
    await assertPortFree(port)
  }
  mkdirSync(join(directory, 'home'), { recursive: true })
  writeFileSync(join(directory, 'rabbitmq-env.conf'), '')
  writeFileSync(join(directory, 'enabled_plugins'), '[].\n')
  nodes.forEach(writeNodeFiles)
  const common = commonEnvironment(directory, epmdPort)
  const control = (node: NodePlan, args: string[]): Promise<string> =>
    runChecked(join(RABBITMQ_SCRIPTS, 'rabbitmqctl'), ['-n', node.nodeName, ...args], {
      env: common,
      timeoutMs: (STARTUP_TIMEOUT_SECONDS + 30) * 1000,
    })
  const servers: ManagedProcess[] = []
  let epmd: ManagedProcess | undefined
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((server) => server.stop(STOP_GRACE_MS)))
    // epmd goes last: nodes deregister from it on the way down.
    await epmd?.stop(5000)
    removeTemporaryDirectory(directory)
  }
  try {
    const epmdArguments = ['-port', String(epmdPort), '-address', '127.0.0.1']
    epmd = spawnManaged('epmd', findExecutable('epmd') ?? 'epmd', epmdArguments, {
      env: common,
      logFile: join(directory, 'epmd.log'),
    })
    await waitForPort(epmdPort, 10_000)
    log(
      `starting RabbitMQ ${topology} (${nodeCount} node${nodeCount === 1 ? '' : 's'}) in ${directory}`,
    )
    const track = (server: ManagedProcess): void => void servers.push(server)
    await Promise.all(
      nodes.map((node) =>
        startNode(node, nodeEnvironment(common, node, directory), control, track),
      ),
    )
    if (nodeCount > 1) await formCluster(nodes, control)
    const version = (await control(nodes[0] as NodePlan, ['version'])).trim()
    const endpoints: Endpoint[] = nodes.map((node) => ({ host: '127.0.0.1', port: node.amqpPort }))
    return {
      info: { name: topology, nodeCount, endpoints },
      serverVersion: version,
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}

async function formCluster(
  nodes: readonly NodePlan[],
  control: (node: NodePlan, args: string[]) => Promise<string>,
): Promise<void> {
  const [first, ...others] = nodes
  if (first === undefined) return
  for (const node of others) {
    await control(node, ['stop_app'])
    await control(node, ['join_cluster', first.nodeName])
    await control(node, ['start_app'])
  }
  const status = JSON.parse(await control(first, ['cluster_status', '--formatter', 'json'])) as {
    running_nodes?: string[]
  }
  const running = status.running_nodes ?? []
  if (running.length !== nodes.length) {
    throw new Error(`RabbitMQ cluster formed with ${running.length} running nodes: ${running}`)
  }
}
