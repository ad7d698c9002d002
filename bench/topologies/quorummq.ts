/**
 * One QuorumMQ node, created and started with QuorumMQ's own MQ-style commands in a temporary
 * QMQ_HOME:
 *
 *   crtmqm -p PORT QM     create the queue manager, listening on PORT
 *   strmqm QM             start it
 *   runmqsc QM            DEFINE QLOCAL(Q) DEFPSIST(YES) ... per benchmark queue (stdin)
 *   endmqm -i QM          stop it (immediate)
 *
 * QUORUMMQ_COMMANDS below is the one place that says how those commands are found and how
 * strmqm behaves; everything else in the harness goes through it.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { packageRoot } from '../output/environment.js'
import type { QueueAdministration, RunningTopology, TopologyName } from '../types.js'
import {
  UnavailableError,
  assertPortFree,
  createTemporaryDirectory,
  portBase,
  removeTemporaryDirectory,
  runChecked,
  spawnManaged,
  waitForPort,
  type ManagedProcess,
} from './processes.js'

export type QuorumMqCommand = 'crtmqm' | 'strmqm' | 'endmqm' | 'runmqsc'

export interface QuorumMqCommandSet {
  /** Executable and leading arguments for a command. */
  resolve(command: QuorumMqCommand): { executable: string; args: string[] }
  /**
   * false: strmqm starts the queue manager in the background and returns (IBM MQ's behaviour),
   * and endmqm stops it. true: strmqm runs the queue manager in the foreground; the harness
   * keeps it as a child and stops it with endmqm, then SIGTERM if it is still there.
   */
  readonly strmqmRunsInForeground: boolean
}

/** Compiled commands in dist/src/cli/<command>.js, run with this Node. */
export const QUORUMMQ_COMMANDS: QuorumMqCommandSet = {
  resolve: (command) => ({
    executable: process.execPath,
    args: [join(packageRoot(), 'dist', 'src', 'cli', `${command}.js`)],
  }),
  strmqmRunsInForeground: false,
}

const STARTUP_TIMEOUT_MS = 60_000
const COMMAND_TIMEOUT_MS = 60_000

export function quorumMqInstalled(commands = QUORUMMQ_COMMANDS): string | undefined {
  for (const command of ['crtmqm', 'strmqm', 'endmqm', 'runmqsc'] as const) {
    const { executable, args } = commands.resolve(command)
    const script = args[0]
    if (!existsSync(executable) || (script !== undefined && !existsSync(script))) {
      return `QuorumMQ command ${command} not found (${script ?? executable}; npm run build)`
    }
  }
  return undefined
}

function runQuorumMq(
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
  return {
    defineQueue: async (queueName) => {
      // MAXDEPTH: the deep-queue scenario queues more than MQ's default of 5000.
      const definition = `DEFINE QLOCAL(${queueName}) DEFPSIST(YES) MAXDEPTH(999999999) REPLACE\n`
      await runQuorumMq(commands, 'runmqsc', [queueManager], environment, definition)
    },
    deleteQueue: async (queueName) => {
      await runQuorumMq(
        commands,
        'runmqsc',
        [queueManager],
        environment,
        `DELETE QLOCAL(${queueName}) PURGE\n`,
      )
    },
  }
}

export async function startQuorumMq(
  topology: TopologyName,
  log: (line: string) => void,
  commands = QUORUMMQ_COMMANDS,
): Promise<RunningTopology> {
  if (topology !== 'single') {
    throw new UnavailableError('QuorumMQ HA groups are not started by the harness yet')
  }
  const missing = quorumMqInstalled(commands)
  if (missing !== undefined) throw new UnavailableError(missing)
  const queueManager = 'QMBENCH'
  const port = portBase() + 301
  await assertPortFree(port)
  const home = createTemporaryDirectory('quorummq')
  const environment = { ...process.env, QMQ_HOME: home }
  let foreground: ManagedProcess | undefined
  let started = false
  const stop = async (): Promise<void> => {
    if (started) {
      await runQuorumMq(commands, 'endmqm', ['-i', queueManager], environment).catch((error) =>
        log(`warning: endmqm failed: ${String(error)}`),
      )
    }
    await foreground?.stop(15_000)
    removeTemporaryDirectory(home)
  }
  try {
    log(`starting QuorumMQ ${queueManager} on 127.0.0.1:${port} with QMQ_HOME=${home}`)
    await runQuorumMq(commands, 'crtmqm', ['-p', String(port), queueManager], environment)
    if (commands.strmqmRunsInForeground) {
      const { executable, args } = commands.resolve('strmqm')
      foreground = spawnManaged('strmqm', executable, [...args, queueManager], {
        env: environment,
        logFile: join(home, 'strmqm.log'),
      })
    } else {
      await runQuorumMq(commands, 'strmqm', [queueManager], environment)
    }
    started = true
    await waitForPort(port, STARTUP_TIMEOUT_MS)
    return {
      info: {
        name: topology,
        nodeCount: 1,
        endpoints: [{ host: '127.0.0.1', port }],
        queueManagerName: queueManager,
        administration: runmqscAdministration(queueManager, environment, commands),
      },
      serverVersion: 'see package version',
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}
