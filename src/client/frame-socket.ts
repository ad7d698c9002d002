/**
 * One TCP connection to a queue manager, carrying frames both ways. Reading: chunks go through
 * a FrameParser (bytes split anywhere) and each decoded frame, or fault, to the listener.
 * Writing: frames sent during one event-loop turn are collected and written together with one
 * socket.write at the end of the turn (setImmediate), so a burst of pipelined requests costs one
 * syscall; Nagle is off (setNoDelay) because the batching is done here.
 *
 * Frames are encoded by the caller when the request is made (so an invalid one fails its call
 * at once, and the caller's buffers are copied before it can change them); this class only
 * moves bytes. Backpressure on writing is not applied: what is queued is bounded by the number
 * of requests in flight, each waiting for its reply.
 */
import { Buffer } from 'node:buffer'
import { connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect, checkServerIdentity as tlsCheckIdentity } from 'node:tls'
import type { ClientTlsOptions } from './connect-options.js'
import { FrameParser } from '../wire/client-frame-parser.js'
import { FrameError, type ClientMessage } from '../wire/client-protocol.js'
import type { ConnectionAddress } from './connection-name.js'

export interface FrameSocketListener {
  /** Bytes arrived (once per chunk, before its frames): the peer is alive. */
  heard(): void
  message(message: ClientMessage): void
  /** A frame that could not be decoded; `fatal` ones mean the stream is lost. */
  fault(error: FrameError): void
  /** The socket has closed; `error` is what closed it, if anything did. */
  closed(error: Error | undefined): void
}

export class FrameSocket {
  private readonly parser = new FrameParser({ from: 'server' })
  private outgoing: Buffer[] = []
  private flushScheduled = false
  private open = true
  private error: Error | undefined

  constructor(
    private readonly socket: Socket,
    private readonly listener: FrameSocketListener,
  ) {
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => this.receive(chunk))
    socket.on('error', (error) => {
      this.error ??= error
    })
    socket.once('close', () => {
      this.open = false
      this.outgoing = []
      this.listener.closed(this.error)
    })
  }

  /** Queues one encoded frame for the end of this turn. */
  send(frame: Buffer): void {
    if (!this.open) return
    this.outgoing.push(frame)
    if (this.flushScheduled) return
    this.flushScheduled = true
    setImmediate(() => {
      this.flushScheduled = false
      this.flush()
    })
  }

  /** Writes what is queued, then half-closes: the server sees the end after the last frame. */
  end(): void {
    if (!this.open) return
    this.flush()
    this.open = false
    this.socket.end()
  }

  /** Drops the connection now; nothing queued is written. `closed` follows. */
  destroy(): void {
    this.open = false
    this.outgoing = []
    this.socket.destroy()
  }

  private flush(): void {
    if (!this.open || this.outgoing.length === 0) return
    const frames = this.outgoing
    this.outgoing = []
    this.socket.write(frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames))
  }

  private receive(chunk: Buffer): void {
    this.listener.heard()
    this.parser.push(chunk)
    // A frame handled below may end the session (GOODBYE, a fatal fault): then stop at once.
    while (!this.socket.destroyed) {
      const next = this.parser.next()
      if (next === undefined) return
      if (next instanceof FrameError) this.listener.fault(next)
      else this.listener.message(next)
    }
  }
}

function openSocket(address: ConnectionAddress, tls: ClientTlsOptions | undefined): Socket {
  if (tls === undefined) return netConnect({ host: address.host, port: address.port })
  const { ca, cert, key, servername } = tls
  const name = servername ?? address.host
  return tlsConnect({
    host: address.host,
    port: address.port,
    ca: ca as string | Buffer | (string | Buffer)[] | undefined,
    cert,
    key,
    // SNI takes no IP address; the certificate is checked against `name` all the same.
    servername: /^[\d.]+$|:/.test(name) ? undefined : name,
    checkServerIdentity: (_host, certificate) => tlsCheckIdentity(name, certificate),
    minVersion: 'TLSv1.2',
  })
}

/**
 * Opens a TCP (or TLS) connection; rejects with the socket's error (an untrusted certificate
 * among them), or the signal's reason on abort.
 */
export function dialAddress(
  address: ConnectionAddress,
  signal: AbortSignal,
  tls?: ClientTlsOptions,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason)
      return
    }
    const socket = openSocket(address, tls)
    const ready = tls === undefined ? 'connect' : 'secureConnect'
    const settle = (): void => {
      socket.off(ready, onConnect)
      socket.off('error', onError)
      signal.removeEventListener('abort', onAbort)
    }
    const onConnect = (): void => {
      settle()
      resolve(socket)
    }
    const onError = (error: Error): void => {
      settle()
      socket.destroy()
      reject(error)
    }
    const onAbort = (): void => {
      settle()
      socket.destroy()
      reject(signal.reason)
    }
    socket.once(ready, onConnect)
    socket.once('error', onError)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
