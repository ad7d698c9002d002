/**
 * The seeded client workload: reconnecting clients (the public client library, reconnect on)
 * doing persistent puts, destructive gets, browses and units of work (a get and two puts under
 * syncpoint, then commit), each call logged with invocation and outcome times.
 *
 * Outcomes: 2033 on a get and 2003 on a unit of work are definite ('fail': nothing happened);
 * every other failure (2009, 2549, 2548, a timeout...) is 'unknown'. After an unknown outcome
 * the client drops its connection and makes a new one, so a stuck call never blocks the run.
 */
import { connect, type QueueManagerConnection, type RemoteQueue } from '../../src/client/index.js'
import { isMQError, Reason } from '../../src/errors.js'
import { Persistence } from '../../src/queue/types.js'
import type { Operation, OperationKind, Outcome } from './history.js'
import { seededRandom } from './random.js'

export interface WorkloadOptions {
  readonly connName: string
  readonly queueManager: string
  readonly queue: string
  readonly clients: number
  readonly seed: number
  /** A call not answered in this time is abandoned as unknown. */
  readonly callTimeoutMs: number
}

/** Puts barely outrun gets (a unit of work puts two and gets one), so the queue grows slowly. */
const MIX: readonly [OperationKind, number][] = [
  ['put', 0.3],
  ['get', 0.35],
  ['uow', 0.2],
  ['browse', 0.15],
]

export class Workload {
  readonly operations: Operation[] = []
  private nextId = 0

  constructor(private readonly options: WorkloadOptions) {}

  /** Runs every client until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const clients = Array.from({ length: this.options.clients }, (_, client) =>
      this.client(client, signal),
    )
    await Promise.all(clients)
  }

  private async client(client: number, signal: AbortSignal): Promise<void> {
    const random = seededRandom(this.options.seed * 7919 + client)
    let session: ClientSession | undefined
    let sequence = 0
    while (!signal.aborted) {
      session ??= await this.open(signal)
      if (session === undefined) return
      const kind = chooseKind(random())
      const bodies = Array.from(
        { length: kind === 'uow' ? 2 : 1 },
        () => `c${client}-${sequence++}`,
      )
      const outcome = await this.call(client, kind, session, bodies)
      if (outcome === 'unknown') {
        void session.connection.close().catch(() => undefined)
        session = undefined
      }
    }
    if (session !== undefined) await session.connection.close().catch(() => undefined)
  }

  private async open(signal: AbortSignal): Promise<ClientSession | undefined> {
    while (!signal.aborted) {
      try {
        const counter = { reconnects: 0 }
        const onEvent = (event: { reason: number }): void => {
          if (event.reason === Reason.RECONNECTING) counter.reconnects++
        }
        const connection = await connect({
          connName: this.options.connName,
          queueManager: this.options.queueManager,
          connectTimeoutMs: 1_000,
          heartbeatMs: 1_000,
          reconnect: { timeoutMs: 60_000, onEvent },
        })
        const queue = await connection.open(this.options.queue, { input: true, output: true })
        const browser = await connection.open(this.options.queue, { browse: true })
        return Object.assign(counter, { connection, queue, browser })
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
    return undefined
  }

  private async call(
    client: number,
    kind: OperationKind,
    session: ClientSession,
    bodies: string[],
  ): Promise<Outcome> {
    const id = this.nextId++
    const invokeMs = Date.now()
    const reconnects = session.reconnects
    const record = (outcome: Outcome, fields: Partial<Operation> = {}): Outcome => {
      const redriven = kind === 'get' && session.reconnects !== reconnects ? { redriven: true } : {}
      const completeMs = Date.now()
      this.operations.push({
        id,
        client,
        kind,
        invokeMs,
        completeMs,
        outcome,
        ...fields,
        ...redriven,
      })
      return outcome
    }
    const put = kind === 'put' || kind === 'uow' ? { put: bodies } : {}
    // What a unit of work got before it failed: the message it may have taken if it committed.
    const taken: { got?: string } = {}
    try {
      const work = perform(kind, session, bodies, taken)
      const result = await withTimeout(work, this.options.callTimeoutMs)
      return record('ok', { ...put, ...result })
    } catch (error) {
      const reason = isMQError(error) ? error.reason : undefined
      const definite =
        (kind === 'get' && reason === Reason.NO_MSG_AVAILABLE) ||
        (kind === 'browse' && reason === Reason.NO_MSG_AVAILABLE) ||
        (kind === 'uow' && reason === Reason.BACKED_OUT)
      if (kind === 'uow') await session.connection.backout().catch(() => undefined)
      const got = definite ? {} : taken
      return record(definite ? 'fail' : 'unknown', { ...put, ...got, reason })
    }
  }
}

interface ClientSession {
  /** Reconnects begun so far (2544 events): a get spanning one was re-sent by the library. */
  reconnects: number
  readonly connection: QueueManagerConnection
  readonly queue: RemoteQueue
  readonly browser: RemoteQueue
}

function chooseKind(draw: number): OperationKind {
  let sum = 0
  for (const [kind, weight] of MIX) {
    sum += weight
    if (draw < sum) return kind
  }
  return 'put'
}

const decoder = new TextDecoder()

async function perform(
  kind: OperationKind,
  session: ClientSession,
  bodies: string[],
  taken: { got?: string },
): Promise<Partial<Operation>> {
  const { queue, browser, connection } = session
  const persistent = { persistence: Persistence.PERSISTENT }
  switch (kind) {
    case 'put':
      await queue.put(bodies[0]!, persistent)
      return {}
    case 'get':
      return { got: decoder.decode((await queue.get({ waitMs: 0 })).body) }
    case 'browse': {
      const browsed = [decoder.decode((await browser.get({ waitMs: 0, browse: 'first' })).body)]
      return { browsed }
    }
    case 'uow': {
      try {
        taken.got = decoder.decode((await queue.get({ waitMs: 0, syncpoint: true })).body)
      } catch (error) {
        if (!isMQError(error) || error.reason !== Reason.NO_MSG_AVAILABLE) throw error
      }
      for (const body of bodies) await queue.put(body, { ...persistent, syncpoint: true })
      await connection.commit()
      return taken.got === undefined ? {} : { got: taken.got }
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error instanceof Error ? error : new Error(String(error)))
      },
    )
  })
}
