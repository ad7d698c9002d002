/**
 * The command side of the control socket: one connection per request, which is all a
 * command-line program needs. A socket that is missing or refuses is DaemonNotRunning, so the
 * caller can start the daemon or fall back to what the disk says.
 */
import net from 'node:net'
import { CONTROL_MAX_RESPONSE_BYTES } from '../constants.js'
import {
  LineSplitter,
  encodeLine,
  parseResponse,
  type ControlResponse,
} from './control-protocol.js'
import type { NodePaths } from './node-paths.js'

export class DaemonNotRunning extends Error {
  override readonly name = 'DaemonNotRunning'
}

/** The daemon went away before it answered (it crashed, or was stopped meanwhile). */
export class DaemonConnectionLost extends Error {
  override readonly name = 'DaemonConnectionLost'
}

const NOT_LISTENING = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTSOCK', 'ENOTDIR'])

export interface PingData {
  readonly pid: number
  readonly home: string
  readonly version: string
}

export function sendControlRequest(
  paths: NodePaths,
  command: string,
  parameters: Readonly<Record<string, unknown>> = {},
): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(paths.socket)
    const splitter = new LineSplitter(CONTROL_MAX_RESPONSE_BYTES)
    let connected = false
    let answered = false
    socket.once('connect', () => {
      connected = true
      socket.write(encodeLine({ id: 1, command, arguments: parameters }))
    })
    socket.on('data', (chunk: Buffer) => {
      try {
        const line = splitter.push(chunk)[0]
        if (line === undefined) return
        answered = true
        resolve(parseResponse(line))
      } catch (error) {
        answered = true
        reject(error)
      }
      socket.end()
    })
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (answered) return
      answered = true
      if (!connected && NOT_LISTENING.has(error.code ?? '')) {
        reject(new DaemonNotRunning(`no daemon answers on ${paths.socket}`))
      } else {
        reject(new DaemonConnectionLost(`control socket failed: ${error.message}`))
      }
    })
    socket.on('close', () => {
      if (answered) return
      answered = true
      reject(new DaemonConnectionLost('the daemon closed the connection without answering'))
    })
  })
}

/** The daemon's identity, or undefined when none answers. */
export async function pingDaemon(paths: NodePaths): Promise<PingData | undefined> {
  try {
    const response = await sendControlRequest(paths, 'ping')
    return response.data as PingData
  } catch (error) {
    if (error instanceof DaemonNotRunning || error instanceof DaemonConnectionLost) {
      return undefined
    }
    throw error
  }
}
