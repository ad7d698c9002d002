/**
 * Whether qmqd serves metrics and the web console, and on which ports. Both are off by
 * default. `qmqd run --metrics[=PORT] --console[=PORT]` turns them on (9464 and 9465 when no
 * port is given); so do QMQ_METRICS_PORT and QMQ_CONSOLE_PORT in the environment, which is how
 * a daemon that a command starts in the background (it inherits the environment) and a
 * service unit (Environment=) set them. A flag wins over the environment. Both listen on
 * loopback only until the security issue brings authentication.
 */
import { DEFAULT_CONSOLE_PORT, DEFAULT_METRICS_PORT } from '../constants.js'
import { CommandFailure } from '../daemon/command-failure.js'

export interface OpsSettings {
  /** Undefined: no metrics endpoint. 0 picks a free port (tests). */
  readonly metricsPort: number | undefined
  readonly consolePort: number | undefined
}

export const OPS_DISABLED: OpsSettings = { metricsPort: undefined, consolePort: undefined }

/** Reads the settings from qmqd run's arguments and the environment; throws on a bad port. */
export function opsSettingsOf(
  argv: readonly string[],
  environment: NodeJS.ProcessEnv = process.env,
): OpsSettings {
  return {
    metricsPort: portSetting(
      argv,
      '--metrics',
      environment['QMQ_METRICS_PORT'],
      DEFAULT_METRICS_PORT,
    ),
    consolePort: portSetting(
      argv,
      '--console',
      environment['QMQ_CONSOLE_PORT'],
      DEFAULT_CONSOLE_PORT,
    ),
  }
}

function portSetting(
  argv: readonly string[],
  flag: string,
  fromEnvironment: string | undefined,
  defaultPort: number,
): number | undefined {
  for (const word of argv) {
    if (word === flag) return defaultPort
    if (word.startsWith(`${flag}=`)) return portOf(word.slice(flag.length + 1))
  }
  if (fromEnvironment === undefined || fromEnvironment === '') return undefined
  return portOf(fromEnvironment)
}

function portOf(text: string): number {
  const port = Number(text)
  if (!/^\d+$/.test(text) || port > 65_535)
    throw new CommandFailure('PORT_NOT_VALID', { port: text })
  return port
}
