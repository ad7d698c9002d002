/**
 * The chaos suite's view of one DR side, over the daemon's control socket as `rdqmstatus -m QM
 * --json` asks it (in process: a status poll every few hundred milliseconds must not spawn a
 * command each time). A paused daemon accepts the connection and never answers: every request
 * has its own deadline and its socket is destroyed then.
 */
import net from 'node:net'
import { join } from 'node:path'
import { CONTROL_MAX_RESPONSE_BYTES } from '../../src/constants.js'
import {
  LineSplitter,
  encodeLine,
  parseResponse,
  type ControlResponse,
} from '../../src/daemon/control-protocol.js'
import type { DrStatusView } from '../../src/dr/dr-status-report.js'

const REQUEST_TIMEOUT_MS = 1_500

/** One control request; undefined when the daemon does not answer in time (or is not there). */
export function controlRequest(
  home: string,
  command: string,
  parameters: Readonly<Record<string, unknown>>,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<ControlResponse | undefined> {
  return new Promise((resolve) => {
    const socket = net.createConnection(join(home, 'qmqd.sock'))
    const splitter = new LineSplitter(CONTROL_MAX_RESPONSE_BYTES)
    const done = (answer: ControlResponse | undefined): void => {
      clearTimeout(timer)
      socket.destroy()
      resolve(answer)
    }
    const timer = setTimeout(() => done(undefined), timeoutMs)
    socket.once('connect', () => {
      socket.write(encodeLine({ id: 1, command, arguments: parameters }))
    })
    socket.on('data', (chunk: Buffer) => {
      try {
        const line = splitter.push(chunk)[0]
        if (line !== undefined) done(parseResponse(line))
      } catch {
        done(undefined)
      }
    })
    socket.on('error', () => done(undefined))
    socket.on('close', () => done(undefined))
  })
}

/** rdqmstatus -m QM's data: undefined when the daemon does not answer. */
export async function drView(
  home: string,
  queueManager: string,
): Promise<DrStatusView | undefined> {
  const answer = await controlRequest(home, 'rdqmstatus', { queueManager, json: true })
  if (answer === undefined || answer.exitCode !== 0) return undefined
  return answer.data as DrStatusView
}
