/**
 * comlink speaks the DOM's MessagePort API (addEventListener, MessageEvent); Node's MessagePort
 * is an EventEmitter. This adapter is the whole bridge (comlink's own node-adapter ships as UMD,
 * which TypeScript under NodeNext cannot type as callable). Control plane only: each call is a
 * postMessage round trip, so nothing on the data path goes through here.
 */
import type { MessagePort } from 'node:worker_threads'
import type { Endpoint } from 'comlink'

type Listener =
  ((event: { data: unknown }) => void) | { handleEvent(event: { data: unknown }): void }

/** `afterPost` runs after each message is posted (the journal wakes its sleeping worker). */
export function portEndpoint(port: MessagePort, afterPost?: () => void): Endpoint {
  const bridges = new Map<Listener, (data: unknown) => void>()
  const endpoint = {
    postMessage(message: unknown, transfer?: readonly unknown[]): void {
      port.postMessage(message, transfer as never)
      afterPost?.()
    },
    addEventListener(_type: string, listener: Listener): void {
      const bridge = (data: unknown): void => {
        if (typeof listener === 'function') listener({ data })
        else listener.handleEvent({ data })
      }
      bridges.set(listener, bridge)
      port.on('message', bridge)
    },
    removeEventListener(_type: string, listener: Listener): void {
      const bridge = bridges.get(listener)
      if (bridge === undefined) return
      port.off('message', bridge)
      bridges.delete(listener)
    },
    start(): void {
      port.start()
    },
  }
  return endpoint as unknown as Endpoint
}
