/**
 * NATS single server or 3-node cluster with JetStream on one machine (the JetStream clustering
 * recipe in shared/reference/peers.md section 7): each server is a foreground child with its own
 * client, cluster and monitoring ports on 127.0.0.1 and its own store directory in a temp dir.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sleepMs } from '../measure/clock.js'
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
  type ManagedProcess,
} from './processes.js'

const STARTUP_TIMEOUT_MS = 60_000
const STOP_GRACE_MS = 15_000

interface ServerPlan {
  readonly index: number
  readonly serverName: string
  readonly clientPort: number
  readonly clusterPort: number
  readonly monitorPort: number
  readonly directory: string
}

function planServers(directory: string, nodeCount: number): ServerPlan[] {
  const base = portBase()
  return Array.from({ length: nodeCount }, (_, offset) => {
    const index = offset + 1
    return {
      index,
      serverName: `n${index}`,
      clientPort: base + 200 + index,
      clusterPort: base + 210 + index,
      monitorPort: base + 220 + index,
      directory: join(directory, `n${index}`),
    }
  })
}

/** Server configuration in NATS's format; `routes` lists every node (self-routes are ignored). */
export function natsConfiguration(server: ServerPlan, all: readonly ServerPlan[]): string {
  const lines = [
    `server_name: ${server.serverName}`,
    `listen: 127.0.0.1:${server.clientPort}`,
    `http: 127.0.0.1:${server.monitorPort}`,
    'jetstream {',
    `  store_dir: "${join(server.directory, 'store')}"`,
    '  max_memory_store: 4GB',
    '  max_file_store: 20GB',
    '}',
  ]
  if (all.length > 1) {
    const routes = all.map((other) => `nats-route://127.0.0.1:${other.clusterPort}`).join(', ')
    lines.push(
      'cluster {',
      '  name: qmqbench',
      `  listen: 127.0.0.1:${server.clusterPort}`,
      `  routes: [ ${routes} ]`,
      '}',
    )
  }
  return `${lines.join('\n')}\n`
}

async function fetchJson(url: string): Promise<unknown> {
  const response = await fetch(url)
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`)
  return response.json()
}

/** Ready = every server's /healthz says ok and, in a cluster, JetStream has a meta leader. */
async function waitUntilReady(servers: readonly ServerPlan[], processes: ManagedProcess[]) {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS
  let lastProblem = 'not checked yet'
  while (Date.now() < deadline) {
    const dead = processes.find((managed) => managed.hasExited())
    if (dead !== undefined) {
      throw new Error(`${dead.name} exited during startup:\n${tailOf(dead.logFile)}`)
    }
    try {
      for (const server of servers) {
        await fetchJson(`http://127.0.0.1:${server.monitorPort}/healthz`)
      }
      const first = servers[0] as ServerPlan
      const status = (await fetchJson(`http://127.0.0.1:${first.monitorPort}/jsz`)) as {
        meta_cluster?: { leader?: string }
      }
      if (servers.length === 1 || (status.meta_cluster?.leader ?? '') !== '') return
      lastProblem = 'no JetStream meta leader yet'
    } catch (error) {
      lastProblem = String(error)
    }
    await sleepMs(200)
  }
  throw new Error(`NATS did not become ready in ${STARTUP_TIMEOUT_MS} ms: ${lastProblem}`)
}

export function natsInstalled(): string | undefined {
  return findExecutable('nats-server') === undefined
    ? 'nats-server is not installed (npm run peers:install)'
    : undefined
}

export async function startNats(
  topology: TopologyName,
  log: (line: string) => void,
): Promise<RunningTopology> {
  const missing = natsInstalled()
  if (missing !== undefined) throw new UnavailableError(missing)
  const binary = findExecutable('nats-server') as string
  const nodeCount = topology === 'cluster3' ? 3 : 1
  const directory = createTemporaryDirectory('nats')
  const servers = planServers(directory, nodeCount)
  for (const server of servers) {
    for (const port of [server.clientPort, server.clusterPort, server.monitorPort]) {
      await assertPortFree(port)
    }
  }
  const processes: ManagedProcess[] = []
  const stop = async (): Promise<void> => {
    await Promise.all(processes.map((managed) => managed.stop(STOP_GRACE_MS)))
    removeTemporaryDirectory(directory)
  }
  try {
    log(
      `starting NATS ${topology} (${nodeCount} server${nodeCount === 1 ? '' : 's'}) in ${directory}`,
    )
    for (const server of servers) {
      mkdirSync(server.directory, { recursive: true })
      const configFile = join(server.directory, 'nats.conf')
      writeFileSync(configFile, natsConfiguration(server, servers))
      processes.push(
        spawnManaged(server.serverName, binary, ['-c', configFile], {
          logFile: join(server.directory, 'stdout.log'),
        }),
      )
    }
    await waitUntilReady(servers, processes)
    const version = (await runChecked(binary, ['--version'])).trim().replace(/^nats-server: v?/, '')
    const endpoints: Endpoint[] = servers.map((server) => ({
      host: '127.0.0.1',
      port: server.clientPort,
    }))
    return { info: { name: topology, nodeCount, endpoints }, serverVersion: version, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
