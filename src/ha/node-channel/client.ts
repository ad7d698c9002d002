/**
 * The asking side of the node channel: one connection per request (these are administrative
 * commands, a handful per minute), handshake first, then the request and its answer. A peer
 * that cannot be reached (refused, reset, silent past the timeout) is a NodeUnreachable; a peer
 * that answers with a failure raises it here as the same CommandFailure.
 */
import net from 'node:net'
import { Messages, type MessageKey, type MessageInserts } from '../../amq-messages.js'
import { HA_NODE_REQUEST_TIMEOUT_MS } from '../../constants.js'
import { CommandFailure } from '../../daemon/command-failure.js'
import { encodeNodeFrame, NodeFrameSplitter, type NodeMessage } from './frames.js'
import { checkWelcome, helloOf, type NodeIdentity } from './handshake.js'

export interface NodeTarget {
  readonly node: string
  readonly host: string
  readonly port: number
}

export class NodeUnreachable extends Error {
  override readonly name = 'NodeUnreachable'
  constructor(
    readonly node: string,
    reason: string,
  ) {
    super(`node '${node}' cannot be reached: ${reason}`)
  }
}

export function isNodeUnreachable(value: unknown): value is NodeUnreachable {
  return value instanceof NodeUnreachable
}

export async function nodeRequest(
  identity: NodeIdentity,
  target: NodeTarget,
  command: string,
  parameters: Readonly<Record<string, unknown>> = {},
  timeoutMs = HA_NODE_REQUEST_TIMEOUT_MS,
): Promise<unknown> {
  const answer = await exchange(
    identity,
    target,
    { id: 1, command, arguments: parameters },
    timeoutMs,
  )
  if (answer['ok'] === true) return answer['data']
  const key = answer['key']
  if (typeof key === 'string' && key in Messages) {
    throw new CommandFailure(key as MessageKey, (answer['inserts'] ?? {}) as MessageInserts)
  }
  throw new Error(`node '${target.node}': ${String(answer['message'])}`)
}

function exchange(
  identity: NodeIdentity,
  target: NodeTarget,
  request: NodeMessage,
  timeoutMs: number,
): Promise<NodeMessage> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: target.host, port: target.port })
    const splitter = new NodeFrameSplitter()
    let welcomed = false
    const fail = (reason: string): void => {
      socket.destroy()
      reject(new NodeUnreachable(target.node, reason))
    }
    const timer = setTimeout(() => fail(`no answer in ${timeoutMs} ms`), timeoutMs)
    socket.on('error', (error) => {
      clearTimeout(timer)
      fail(error.message)
    })
    socket.on('close', () => {
      clearTimeout(timer)
      fail('connection closed')
    })
    const hello = helloOf(identity)
    socket.on('connect', () => socket.write(encodeNodeFrame(hello)))
    socket.on('data', (chunk: Buffer) => {
      let messages: NodeMessage[]
      try {
        messages = splitter.push(chunk)
      } catch (error) {
        clearTimeout(timer)
        return fail((error as Error).message)
      }
      for (const message of messages) {
        if (!welcomed) {
          const checked = checkWelcome(identity, target.node, hello, message)
          if (checked.refused !== undefined) {
            clearTimeout(timer)
            return fail(`handshake refused: ${checked.refused}`)
          }
          welcomed = true
          if (checked.proof !== undefined) socket.write(encodeNodeFrame(checked.proof))
          socket.write(encodeNodeFrame(request))
          continue
        }
        clearTimeout(timer)
        // The listener refuses a wrong proof after its welcome, in place of the answer.
        if (message['type'] === 'refused') return fail(`refused: ${String(message['reason'])}`)
        socket.removeAllListeners('close')
        socket.end()
        resolve(message)
        return
      }
    })
  })
}
