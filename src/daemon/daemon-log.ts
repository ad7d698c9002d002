/**
 * Where a background qmqd logs: rolling files in logs/ through pino-roll, a pino transport
 * (its own worker thread, so log writes never wait on the event loop): rolled at
 * DAEMON_LOG_FILE_MIB, DAEMON_LOG_FILES_KEPT rolled files kept, counting those of earlier daemon
 * processes too, so restarts do not pile files up. A daemon in the foreground (systemd,
 * containers) logs to stdout and leaves rotation to whatever collects it.
 */
import { pino } from 'pino'
import { DAEMON_LOG_FILE_MIB, DAEMON_LOG_FILES_KEPT } from '../constants.js'
import { useLogDestination } from '../log.js'
import type { NodePaths } from './node-paths.js'

export function logToRollingFiles(paths: NodePaths): void {
  const transport = pino.transport({
    target: 'pino-roll',
    options: {
      file: paths.daemonLogBase,
      extension: '.log',
      size: `${DAEMON_LOG_FILE_MIB}m`,
      limit: { count: DAEMON_LOG_FILES_KEPT, removeOtherLogFiles: true },
      mkdir: true,
      symlink: true,
    },
  })
  useLogDestination(transport)
}
