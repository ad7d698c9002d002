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
import type { SimChecker } from './checker.js'
import type { Prng } from './prng.js'
import { SIM_QUEUE, type SimNode } from './sim-node.js'

export interface WorkloadHost {
  readonly checker: SimChecker
  servingPrimary(): SimNode | undefined
  sleep(delayMs: number): Promise<void>
  readonly stopped: boolean
  trace(line: string): void
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

interface Session {
  readonly node: SimNode
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
      return { node, engine: node.engine, connection, handle }
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
        if (choice < 4) await this.put(session, false)
        else if (choice < 7) await this.get(session, false)
        else await this.unitOfWork(session)
      } catch (error) {
        this.host.trace(`client ${index}: ${(error as Error).message}`)
        session = undefined
      }
    }
  }

  private async put(session: Session, syncpoint: boolean): Promise<string> {
    const tag = this.nextTag('m')
    const options = { persistence: Persistence.PERSISTENT, syncpoint }
    await session.handle.put(encoder.encode(tag), options)
    if (!syncpoint) this.host.checker.ackPut(tag, session.node)
    return tag
  }

  private async get(session: Session, syncpoint: boolean): Promise<string | undefined> {
    try {
      const got = await session.handle.get({ syncpoint })
      const tag = decoder.decode(got.body)
      if (!syncpoint) this.host.checker.ackGet(tag, session.node)
      return tag
    } catch (error) {
      if (isMQError(error) && error.reason === Reason.NO_MSG_AVAILABLE) return undefined
      throw error
    }
  }

  private async unitOfWork(session: Session): Promise<void> {
    const puts: string[] = []
    const count = this.prng.between(1, 3)
    for (let index = 0; index < count; index++) puts.push(await this.put(session, true))
    const got = this.prng.chance(0.5) ? await this.get(session, true) : undefined
    if (this.prng.chance(0.25)) {
      await session.connection.backout()
      return
    }
    await session.connection.commit()
    for (const tag of puts) this.host.checker.ackPut(tag, session.node)
    if (got !== undefined) this.host.checker.ackGet(got, session.node)
  }

  /** Liveness probe: puts until one is acknowledged, noting when. */
  async probe(now: () => number): Promise<void> {
    let session: Session | undefined
    while (!this.host.stopped && this.probeAckedAt === undefined) {
      await this.host.sleep(20)
      session = this.session(session)
      if (session === undefined) continue
      try {
        await this.put(session, false)
        this.probeAckedAt = now()
      } catch {
        session = undefined
      }
    }
  }
}
