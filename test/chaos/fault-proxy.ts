/**
 * A fault-injecting TCP proxy for one link (one listener, forwarding to one target). Each
 * direction can be blocked (bytes are held, not dropped, as a partitioned network holds them in
 * TCP retransmission until it heals or a side gives up), delayed, or made lossy (a lost segment
 * costs a retransmission timeout, so loss shows as occasional stalls, and rarely a reset).
 *
 * 'forward' is the direction from whoever dials to the target; 'backward' the replies.
 */
import net, { type Socket } from 'node:net'

export type Direction = 'forward' | 'backward'

export interface LinkFaults {
  blocked: boolean
  delayMs: number
  /** Probability per chunk of a retransmission stall; a tenth of that, of a reset. */
  loss: number
}

const RETRANSMISSION_STALL_MS = 200
const HELD_BYTES_LIMIT = 8 * 1024 * 1024

interface Pipe {
  readonly from: Socket
  readonly to: Socket
  readonly direction: Direction
  readonly held: Buffer[]
  heldBytes: number
  /** Time before which nothing may be delivered (keeps order under delays). */
  nextAtMs: number
}

export class FaultProxy {
  readonly faults: Record<Direction, LinkFaults> = {
    forward: { blocked: false, delayMs: 0, loss: 0 },
    backward: { blocked: false, delayMs: 0, loss: 0 },
  }
  private readonly pipes = new Set<Pipe>()
  private readonly sockets = new Set<Socket>()
  private server: net.Server | undefined

  constructor(
    readonly name: string,
    readonly listen: { readonly host: string; readonly port: number },
    readonly target: { readonly host: string; readonly port: number },
    private readonly random: () => number,
  ) {}

  async start(): Promise<void> {
    const server = net.createServer({ noDelay: true }, (socket) => this.accepted(socket))
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.listen.port, this.listen.host, () => resolve())
    })
  }

  /** Heals both directions: held bytes flow again, delays and loss end. */
  heal(): void {
    for (const direction of ['forward', 'backward'] as const) {
      this.faults[direction] = { blocked: false, delayMs: 0, loss: 0 }
    }
    for (const pipe of this.pipes) this.flush(pipe)
  }

  set(direction: Direction, faults: Partial<LinkFaults>): void {
    Object.assign(this.faults[direction], faults)
    if (!this.faults[direction].blocked) {
      for (const pipe of this.pipes) if (pipe.direction === direction) this.flush(pipe)
    }
  }

  /** Resets every connection through this link (both ends see a broken socket). */
  resetAll(): void {
    for (const socket of this.sockets) socket.destroy()
  }

  async close(): Promise<void> {
    this.resetAll()
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    )
  }

  private accepted(client: Socket): void {
    const upstream = net.connect({ host: this.target.host, port: this.target.port, noDelay: true })
    this.sockets.add(client).add(upstream)
    const forward = this.pipe(client, upstream, 'forward')
    const backward = this.pipe(upstream, client, 'backward')
    const end = (): void => {
      client.destroy()
      upstream.destroy()
      this.sockets.delete(client)
      this.sockets.delete(upstream)
      this.pipes.delete(forward)
      this.pipes.delete(backward)
    }
    for (const socket of [client, upstream]) {
      socket.on('error', end)
      socket.on('close', end)
    }
  }

  private pipe(from: Socket, to: Socket, direction: Direction): Pipe {
    const pipe: Pipe = { from, to, direction, held: [], heldBytes: 0, nextAtMs: 0 }
    this.pipes.add(pipe)
    from.on('data', (chunk: Buffer) => this.carry(pipe, chunk))
    return pipe
  }

  private carry(pipe: Pipe, chunk: Buffer): void {
    const faults = this.faults[pipe.direction]
    if (faults.blocked || pipe.held.length > 0) {
      pipe.held.push(chunk)
      pipe.heldBytes += chunk.length
      // A partition long enough to fill the window ends in a reset, as TCP's would.
      if (pipe.heldBytes > HELD_BYTES_LIMIT) pipe.from.destroy()
      if (!faults.blocked) this.flush(pipe)
      return
    }
    let delayMs = faults.delayMs
    if (faults.loss > 0 && this.random() < faults.loss) {
      if (this.random() < 0.1) {
        pipe.from.destroy()
        return
      }
      delayMs += RETRANSMISSION_STALL_MS
    }
    if (delayMs === 0 && pipe.nextAtMs <= Date.now()) {
      pipe.to.write(chunk)
      return
    }
    const at = Math.max(Date.now() + delayMs, pipe.nextAtMs)
    pipe.nextAtMs = at
    setTimeout(() => pipe.to.destroyed || pipe.to.write(chunk), at - Date.now())
  }

  private flush(pipe: Pipe): void {
    const held = pipe.held.splice(0)
    pipe.heldBytes = 0
    for (const chunk of held) this.carry(pipe, chunk)
  }
}
