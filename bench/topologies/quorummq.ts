/**
 * One QuorumMQ node, run with QuorumMQ's own MQ-style commands in a temporary QMQ_HOME:
 *
 *   qmqd run              the node daemon, in the foreground as the harness's own child
 *   crtmqm -p PORT QM     create the queue manager, listening on 127.0.0.1:PORT
 *   strmqm QM             start it (in the daemon above)
 *   runmqsc QM            DEFINE QLOCAL(Q) DEFPSIST(YES) ... per benchmark queue (stdin)
 *   endmqm -i QM          stop it (immediate), then SIGTERM to the daemon
 *
 * Commands would start a daemon in the background by themselves; starting it first as a child
 * keeps every process of the run owned (and stopped) by the harness. QUORUMMQ_COMMANDS is the
 * one place that says where the commands are; everything else goes through it.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { sleepMs } from '../measure/clock.js'
import { packageRoot } from '../output/environment.js'
import type { QueueAdministration, RunningTopology, TopologyName } from '../types.js'
import {
  UnavailableError,
  assertPortFree,
  createTemporaryDirectory,
  portBase,
  removeTemporaryDirectory,
  runChecked,
  runCommand,
  spawnManaged,
  tailOf,
  waitForPort,
  type ManagedProcess,
} from './processes.js'

export type QuorumMqCommand =
  'qmqd' | 'crtmqm' | 'strmqm' | 'endmqm' | 'runmqsc' | 'rdqmadm' | 'rdqmstatus'

export interface QuorumMqCommandSet {
  /** Executable and leading arguments for a command. */
  resolve(command: QuorumMqCommand): { executable: string; args: string[] }
}

/** Compiled commands in dist/src/cli/<command>.js, run with this Node (npm run build). */
export const QUORUMMQ_COMMANDS: QuorumMqCommandSet = {
  resolve: (command) => ({
    executable: process.execPath,
    args: [join(packageRoot(), 'dist', 'src', 'cli', `${command}.js`)],
  }),
}

const QUEUE_MANAGER = 'QMBENCH'
export const STARTUP_TIMEOUT_MS = 60_000
const COMMAND_TIMEOUT_MS = 60_000
export const DAEMON_STOP_GRACE_MS = 15_000
const COMMANDS: readonly QuorumMqCommand[] = ['qmqd', 'crtmqm', 'strmqm', 'endmqm', 'runmqsc']

export function quorumMqInstalled(
  commands = QUORUMMQ_COMMANDS,
  needed: readonly QuorumMqCommand[] = COMMANDS,
): string | undefined {
  for (const command of needed) {
    const { executable, args } = commands.resolve(command)
    const script = args[0]
    if (!existsSync(executable) || (script !== undefined && !existsSync(script))) {
      return `QuorumMQ command ${command} not found (${script ?? executable}; npm run build)`
    }
  }
  return undefined
}

export function runQuorumMq(
  commands: QuorumMqCommandSet,
  command: QuorumMqCommand,
  args: string[],
  environment: NodeJS.ProcessEnv,
  input?: string,
): Promise<string> {
  const { executable, args: leading } = commands.resolve(command)
  return runChecked(executable, [...leading, ...args], {
    env: environment,
    timeoutMs: COMMAND_TIMEOUT_MS,
    ...(input === undefined ? {} : { input }),
  })
}

/** Queue definitions through runmqsc, for the adapter (the client API cannot define queues). */
export function runmqscAdministration(
  queueManager: string,
  environment: NodeJS.ProcessEnv,
  commands = QUORUMMQ_COMMANDS,
): QueueAdministration {
  const runmqsc = (script: string) =>
    runQuorumMq(commands, 'runmqsc', [queueManager], environment, script)
  return {
    defineQueue: async (queueName) => {
      // MAXDEPTH: the deep-queue scenario queues more than MQ's default of 5000.
      await runmqsc(`DEFINE QLOCAL(${queueName}) DEFPSIST(YES) MAXDEPTH(999999999) REPLACE\n`)
    },
    deleteQueue: async (queueName) => {
      await runmqsc(`DELETE QLOCAL(${queueName}) PURGE\n`)
    },
  }
}

/** The daemon is ready when `qmqd status` (a ping over its control socket) answers 0. */
export async function waitForDaemon(
  commands: QuorumMqCommandSet,
  environment: NodeJS.ProcessEnv,
  daemon: ManagedProcess,
): Promise<void> {
  const { executable, args } = commands.resolve('qmqd')
  const deadline = Date.now() + STARTUP_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (daemon.hasExited()) {
      throw new Error(`qmqd exited during startup:\n${tailOf(daemon.logFile)}`)
    }
    const status = await runCommand(executable, [...args, 'status'], { env: environment })
    if (status.code === 0) return
    await sleepMs(200)
  }
  throw new Error(`qmqd did not answer within ${STARTUP_TIMEOUT_MS} ms`)
}

export async function startQuorumMq(
  topology: TopologyName,
  log: (line: string) => void,
  commands = QUORUMMQ_COMMANDS,
): Promise<RunningTopology> {
  if (topology !== 'single') {
    throw new UnavailableError('a QuorumMQ HA group is started by quorummq-group.ts')
  }
  const missing = quorumMqInstalled(commands)
  if (missing !== undefined) throw new UnavailableError(missing)
  const port = portBase() + 301
  await assertPortFree(port)
  const home = createTemporaryDirectory('quorummq')
  const environment = { ...process.env, QMQ_HOME: home, QMQ_LISTENER_HOST: '127.0.0.1' }
  let daemon: ManagedProcess | undefined
  let started = false
  const stop = async (): Promise<void> => {
    if (started) {
      await runQuorumMq(commands, 'endmqm', ['-i', QUEUE_MANAGER], environment).catch((error) =>
        log(`warning: endmqm failed: ${String(error)}`),
      )
    }
    await daemon?.stop(DAEMON_STOP_GRACE_MS)
    removeTemporaryDirectory(home)
  }
  try {
    log(`starting QuorumMQ ${QUEUE_MANAGER} on 127.0.0.1:${port} with QMQ_HOME=${home}`)
    const { executable, args } = commands.resolve('qmqd')
    daemon = spawnManaged('qmqd', executable, [...args, 'run'], {
      env: environment,
      logFile: join(home, 'qmqd.stdout.log'),
    })
    await waitForDaemon(commands, environment, daemon)
    await runQuorumMq(commands, 'crtmqm', ['-p', String(port), QUEUE_MANAGER], environment)
    await runQuorumMq(commands, 'strmqm', [QUEUE_MANAGER], environment)
    started = true
    await waitForPort(port, STARTUP_TIMEOUT_MS)
    return {
      info: {
        name: topology,
        nodeCount: 1,
        endpoints: [{ host: '127.0.0.1', port }],
        queueManagerName: QUEUE_MANAGER,
        administration: runmqscAdministration(QUEUE_MANAGER, environment, commands),
      },
      serverVersion: 'QuorumMQ (this package)',
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}
