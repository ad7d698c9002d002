/**
 * Free-port search for crtmqm without -p: MQ's 1414 first, then upwards. A port counts as free
 * when a listener can bind it now on the queue manager's host; that can change before strmqm,
 * which then reports the port in use.
 */
import net from 'node:net'
import { DEFAULT_LISTENER_PORT, LISTENER_PORT_SEARCH_COUNT } from '../constants.js'
import { CommandFailure } from './command-failure.js'

export function portBindable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', () => resolve(false))
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)))
  })
}

/** The first bindable port from 1414 not in `taken` (ports of this node's queue managers). */
export async function findFreePort(host: string, taken: ReadonlySet<number>): Promise<number> {
  const first = DEFAULT_LISTENER_PORT
  const last = DEFAULT_LISTENER_PORT + LISTENER_PORT_SEARCH_COUNT - 1
  for (let port = first; port <= last; port++) {
    if (taken.has(port)) continue
    if (await portBindable(host, port)) return port
  }
  throw new CommandFailure('NO_FREE_PORT', { first, last })
}
