/**
 * One daemon per node directory: the pid file is created exclusively and names its owner. A pid
 * file whose process is gone (kill -9, power loss) is taken over; one whose process is alive
 * means another daemon, and this one must not start.
 */
import fs from 'node:fs'
import { CommandFailure } from './command-failure.js'
import type { NodePaths } from './node-paths.js'
import { processAlive } from './queue-manager-status.js'

/** The pid in the pid file, if there is one that parses. */
export function readDaemonPid(paths: NodePaths): number | undefined {
  try {
    const pid = Number(fs.readFileSync(paths.pidFile, 'utf8').trim())
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/** Takes the lock or throws DAEMON_ALREADY_RUNNING; returns the release function. */
export function acquireDaemonLock(paths: NodePaths): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(paths.pidFile, `${process.pid}\n`, { flag: 'wx' })
      return () => releaseDaemonLock(paths)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const owner = readDaemonPid(paths)
      if (owner !== undefined && owner !== process.pid && processAlive(owner)) {
        throw new CommandFailure('DAEMON_ALREADY_RUNNING', { pid: owner, home: paths.home })
      }
      fs.rmSync(paths.pidFile, { force: true })
    }
  }
  throw new CommandFailure('DAEMON_ALREADY_RUNNING', { pid: 'unknown', home: paths.home })
}

/** True while the pid file still names this process (QMQ_HOME not deleted or taken over). */
export function holdsDaemonLock(paths: NodePaths): boolean {
  return readDaemonPid(paths) === process.pid
}

function releaseDaemonLock(paths: NodePaths): void {
  if (holdsDaemonLock(paths)) fs.rmSync(paths.pidFile, { force: true })
}
