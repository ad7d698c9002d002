/**
 * What the HA samples (amqsphac, amqsghac) share, as MQ's do: a connection that reconnects
 * (MQCNO_RECONNECT) through a connection-name list, every reconnect event printed with the time,
 * and a clean end on Ctrl-C (SIGINT) or SIGTERM. Their help is here too (the other commands'
 * is in command-help.ts).
 *
 *   16:02:15 : EVENT : Connection Reconnecting (2544: <why>)
 *   16:02:16 : EVENT : Connection Reconnected (2545)
 *   16:04:20 : EVENT : Reconnection failed (2548)
 *
 * Interrupted puts and gets are sent again with their request identity (src/client/), so the
 * numbers the put sample prints and the get sample receives show no gap and no repeat across a
 * failover.
 */
import type { QueueManagerConnection } from '../client/index.js'
import { connect } from '../client/index.js'
import { CLIENT_DEFAULT_RECONNECT_TIMEOUT_MS } from '../constants.js'
import { Reason, type MQError } from '../errors.js'
import { optionValue } from './arguments.js'
import { reasonOf, resolveTarget } from './client-target.js'
import { wantsHelp } from './command-help.js'
import { parseOrUsage } from './command-line.js'

export interface HaSampleCommand {
  readonly command: 'amqsphac' | 'amqsghac'
  readonly usage: string
  readonly details: readonly string[]
}

export interface HaSampleStart {
  readonly queueName: string
  readonly connection: QueueManagerConnection
  /** Aborted by SIGINT or SIGTERM: the sample finishes its call and ends. */
  readonly stop: AbortSignal
}

const EVENT_TEXT: ReadonlyMap<number, string> = new Map([
  [Reason.RECONNECTING, 'Connection Reconnecting'],
  [Reason.RECONNECTED, 'Connection Reconnected'],
  [Reason.RECONNECT_FAILED, 'Reconnection failed'],
])

/** '16:02:15', local time, as MQ's samples print it. */
function clock(): string {
  return new Date().toTimeString().slice(0, 8)
}

export function printEvent(event: MQError): void {
  const text = EVENT_TEXT.get(event.reason) ?? 'Event'
  const cause = event.cause instanceof Error ? `: ${event.cause.message}` : ''
  process.stdout.write(`${clock()} : EVENT : ${text} (${event.reason}${cause})\n`)
}

/**
 * Prints help, or parses the words, prints the start line and connects; when the sample cannot
 * start (or only printed help), the exit code to end with.
 */
export async function startHaSample(
  sample: HaSampleCommand,
  name: string,
  words: readonly string[],
): Promise<HaSampleStart | { readonly exitCode: number }> {
  if (wantsHelp(words)) {
    const help = [`Usage: ${sample.usage}`, ...sample.details.map((line) => `  ${line}`)]
    process.stdout.write(`${help.join('\n')}\n`)
    return { exitCode: 0 }
  }
  process.stdout.write(`Sample ${name} start\n`)
  const parsed = parseOrUsage(
    words,
    { short: { x: 'value' } },
    sample.usage,
    (candidate) => candidate.positionals.length <= 2,
  )
  const [queueName, queueManager] = parsed.positionals
  if (queueName === undefined) {
    process.stdout.write('Required parameter missing - queue name\n')
    return { exitCode: 99 }
  }
  let connection: QueueManagerConnection
  try {
    const target = await resolveTarget(queueManager, optionValue(parsed, '-x'))
    connection = await connect({
      ...target,
      clientName: sample.command,
      reconnect: { timeoutMs: CLIENT_DEFAULT_RECONNECT_TIMEOUT_MS, onEvent: printEvent },
    })
  } catch (error) {
    process.stdout.write(`MQCONNX ended with reason code ${reasonOf(error)}\n`)
    return { exitCode: 1 }
  }
  const stopping = new AbortController()
  const stop = (): void => stopping.abort(new Error('stopped by a signal'))
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  return { queueName, connection, stop: stopping.signal }
}

/** Waits `delayMs`, or less if `signal` aborts first. */
export function pause(delayMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, delayMs)
    signal.addEventListener('abort', done, { once: true })
    function done(): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })
}
