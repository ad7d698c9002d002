/**
 * One daemon per node directory, held by a lock that dies with its holder: a listening unix
 * socket. A pid file cannot be that lock: a daemon killed with -9 leaves it behind, and for a
 * moment its pid still answers kill(0) as a zombie, so a restart took it for a live daemon.
 *
 * On Linux the lock socket is in the abstract namespace, named after the node directory's device
 * and inode: binding it is atomic, and the kernel unbinds it when the process exits, however it
 * exits, so nothing on disk can make it look held. Elsewhere it is the socket file
 * <home>/qmqd.lock: bind; on EADDRINUSE connect to it; a refused connect means its owner is gone,
 * so unlink and bind again. (That fallback has a window: two starters that find the same stale
 * file at the same instant can both take it. The abstract socket has none.)
 *
 * Whether a daemon is alive is asked the same way: does the lock socket accept a connection.
 * The pid file is information (qmqd stop, dspmq, people) and the housekeeping check that
 * QMQ_HOME still exists; it is written only by the lock's holder.
 */
import fs from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import { CommandFailure } from './command-failure.js'
import type { NodePaths } from './node-paths.js'

export interface DaemonLock {
  release(): Promise<void>
}

/** The pid in the pid file, if there is one that parses. */
export function readDaemonPid(paths: NodePaths): number | undefined {
  try {
    const pid = Number(fs.readFileSync(paths.pidFile, 'utf8').trim())
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/** The lock's socket address; undefined if the node directory does not exist. */
export function lockAddress(paths: NodePaths): string | undefined {
  if (process.platform !== 'linux') return join(paths.home, 'qmqd.lock')
  let identity: fs.Stats
  try {
    identity = fs.statSync(paths.home)
  } catch {
    return undefined
  }
  return `\0quorummq-qmqd-${identity.dev}-${identity.ino}`
}

/** Takes the lock or throws DAEMON_ALREADY_RUNNING; then writes the pid file. */
export async function acquireDaemonLock(paths: NodePaths): Promise<DaemonLock> {
  const address = lockAddress(paths)
  if (address === undefined) {
    throw new CommandFailure('HOME_NOT_USABLE', { home: paths.home, reason: 'it does not exist' })
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    let server: net.Server
    try {
      server = await listenOn(address)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
      if (isAbstract(address) || (await accepts(address))) throw alreadyRunning(paths)
      fs.rmSync(address, { force: true })
      continue
    }
    fs.writeFileSync(paths.pidFile, `${process.pid}\n`)
    return { release: () => release(paths, server, address) }
  }
  throw alreadyRunning(paths)
}

/** True while some process holds the node's daemon lock (it may not answer commands yet). */
export async function daemonLockHeld(paths: NodePaths): Promise<boolean> {
  const address = lockAddress(paths)
  return address !== undefined && (await accepts(address))
}

/** True while the pid file still names this process (QMQ_HOME not deleted or taken over). */
export function holdsDaemonLock(paths: NodePaths): boolean {
  return readDaemonPid(paths) === process.pid
}

function alreadyRunning(paths: NodePaths): CommandFailure {
  return new CommandFailure('DAEMON_ALREADY_RUNNING', {
    pid: readDaemonPid(paths) ?? 'unknown',
    home: paths.home,
  })
}

function isAbstract(address: string): boolean {
  return address.startsWith('\0')
}

function listenOn(address: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    // A probe only needs the connection to be accepted; nothing is ever read or written.
    const server = net.createServer((socket) => socket.destroy())
    server.once('error', reject)
    server.listen(address, () => {
      server.off('error', reject)
      // The lock must not keep a daemon that is otherwise done from exiting.
      server.unref()
      resolve(server)
    })
  })
}

function accepts(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.createConnection(address)
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

async function release(paths: NodePaths, server: net.Server, address: string): Promise<void> {
  if (holdsDaemonLock(paths)) fs.rmSync(paths.pidFile, { force: true })
  // The file first, while still held: after the close a successor may already have bound anew.
  if (!isAbstract(address)) fs.rmSync(address, { force: true })
  await new Promise<void>((resolve) => server.close(() => resolve()))
}
