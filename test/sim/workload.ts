/**
 * Clients of the simulated group: each loops over persistent puts, gets and units of work
 * (puts and a get under syncpoint, then commit or backout) against whichever member serves, and
 * reports every acknowledgement to the checker. A failed call (the member was deposed or
 * crashed) has an unknown outcome: the client reconnects and carries on, as an MQ client would.
 * Every message body is a unique tag, so the checker can follow each message.
 */
import { isMQError, Reason } from '../../src/errors.js'
import type { Connection, QueueHandle } from '../../src/queue/engine.js'
import type { QueueEngine } from '../../src/queue/engine.js'
import { Persistence } from '../../src/queue/types.js'
import type { Checker } from './checker.js'
import type { Prng } from './prng.js'
import { SIM_QUEUE, type SimNode } from './sim-node.js'

export interface WorkloadHost {
  readonly checker: Checker
  servingPrimary(): SimNode | undefined
  sleep(delayMs: number): Promise<void>
  readonly stopped: boolean
  trace(line: string): void
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

interface Session {
  readonly engine: QueueEngine
  readonly connection: Connection
  readonly handle: QueueHandle
}

export class Workload {
  private counter = 0
  probeAckedAt: number | undefined

  constructor(
    private readonly host: WorkloadHost,
    private readonly prng: Prng,
  ) {}

  start(clients: number): void {
    for (let index = 0; index < clients; index++) void this.client(index)
  }

  private nextTag(prefix: string): string {
    const tag = `${prefix}${this.counter++}`
    this.host.checker.issue(tag)
    return tag
  }

  private session(current: Session | undefined): Session | undefined {
    const node = this.host.servingPrimary()
    if (node === undefined) return undefined
    if (current !== undefined && current.engine === node.engine) return current
    try {
      const connection = node.engine.connect()
      const handle = connection.open(SIM_QUEUE, { input: true, output: true })
      return { engine: node.engine, connection, handle }
    } catch {
      return undefined
    }
  }

  private async client(index: number): Promise<void> {
    let session: Session | undefined
    while (!this.host.stopped) {
      await this.host.sleep(this.prng.between(1, 25))
      session = this.session(session)
      if (session === undefined) continue
      try {
        const choice = this.prng.below(10)
        if (choice < 4) await this.put(session.handle, false)
        else if (choice < 7) await this.get(session.handle, false)
        else await this.unitOfWork(session)
      } catch (error) {
        this.host.trace(`client ${index}: ${(error as Error).message}`)
        session = undefined
      }
    }
  }

  private async put(handle: QueueHandle, syncpoint: boolean): Promise<string> {
    const tag = this.nextTag('m')
    await handle.put(encoder.encode(tag), { persistence: Persistence.PERSISTENT, syncpoint })
    if (!syncpoint) this.host.checker.ackPut(tag)
    return tag
  }

  private async get(handle: QueueHandle, syncpoint: boolean): Promise<string | undefined> {
    try {
      const got = await handle.get({ syncpoint })
      const tag = decoder.decode(got.body)
      if (!syncpoint) this.host.checker.ackGet(tag)
      return tag
    } catch (error) {
      if (isMQError(error) && error.reason === Reason.NO_MSG_AVAILABLE) return undefined
      throw error
    }
  }

  private async unitOfWork(session: Session): Promise<void> {
    const puts: string[] = []
    const count = this.prng.between(1, 3)
    for (let index = 0; index < count; index++) puts.push(await this.put(session.handle, true))
    const got = this.prng.chance(0.5) ? await this.get(session.handle, true) : undefined
    if (this.prng.chance(0.25)) {
      await session.connection.backout()
      return
    }
    await session.connection.commit()
    for (const tag of puts) this.host.checker.ackPut(tag)
    if (got !== undefined) this.host.checker.ackGet(got)
  }

  /** Liveness probe: puts until one is acknowledged, noting when. */
  async probe(now: () => number): Promise<void> {
    let session: Session | undefined
    while (!this.host.stopped && this.probeAckedAt === undefined) {
      await this.host.sleep(20)
      session = this.session(session)
      if (session === undefined) continue
      try {
        await this.put(session.handle, false)
        this.probeAckedAt = now()
      } catch {
        session = undefined
      }
    }
  }
}
