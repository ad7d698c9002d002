/**
 * A TCP proxy on loopback that forwards both ways and keeps every byte it forwards, so a test
 * can look for plaintext in what crossed the "network".
 */
import net, { type AddressInfo } from 'node:net'

export class RecordingProxy {
  private readonly chunks: Buffer[] = []
  private readonly sockets = new Set<net.Socket>()

  private constructor(private readonly server: net.Server) {}

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<RecordingProxy> {
    const server = net.createServer()
    const proxy = new RecordingProxy(server)
    server.on('connection', (client) => proxy.forward(client, targetHost, targetPort))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return proxy
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port
  }

  /** Everything forwarded so far, both directions. */
  get captured(): Buffer {
    return Buffer.concat(this.chunks)
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private forward(client: net.Socket, host: string, port: number): void {
    const upstream = net.connect({ host, port })
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(from)
      from.on('data', (chunk: Buffer) => {
        this.chunks.push(Buffer.from(chunk))
        to.write(chunk)
      })
      from.on('error', () => to.destroy())
      from.on('close', () => to.destroy())
    }
  }
}
