/**
 * amqsblst's command line, MQ's options first (rdqm.md section 5) and QuorumMQ's load-testing
 * additions after:
 *
 *   amqsblst QMgrName QName -W|-R [-s sizes|random] [-c count] [-u uow] [-C correlid] [-v]
 *            [--inflight N] [--rate msgs/s] [--persistent|--nonpersistent] [--json]
 *            [-x ConnName]
 *
 * -c is the writer's message count (default 1000); a reader stops at the writer's last message
 * (the one starting with 'B') and, if -c is given, after that many messages at most.
 */
import {
  BLAST_DEFAULT_COUNT,
  BLAST_DEFAULT_MESSAGE_BYTES,
  BLAST_MAX_INFLIGHT,
  BLAST_RANDOM_MAX_MESSAGE_BYTES,
  MAX_MESSAGE_BYTES,
  MESSAGE_ID_BYTES,
} from '../constants.js'
import { Persistence } from '../queue/types.js'
import { hasFlag, optionValue, parseWholeNumber, type ParsedArguments } from './arguments.js'

export interface BlastOptions {
  readonly queueManager: string
  readonly queue: string
  readonly mode: 'write' | 'read'
  /** Body sizes, used in turn; empty means random. */
  readonly sizes: readonly number[]
  readonly count: number
  readonly countGiven: boolean
  /** Messages per unit of work; 0 outside syncpoint. */
  readonly unitOfWork: number
  readonly correlId: Uint8Array | undefined
  readonly verbose: boolean
  readonly inflight: number
  /** Messages per second; 0 unlimited. */
  readonly rate: number
  readonly persistence: Persistence
  readonly json: boolean
  readonly connectionNames: string | undefined
}

export const BLAST_USAGE =
  'amqsblst QMgrName QName -W|-R [-s sizes|random] [-c count] [-u uow] [-C correlid] [-v] ' +
  '[--inflight N] [--rate msgs/s] [--persistent|--nonpersistent] [--json] [-x ConnName]'

export const BLAST_OPTION_SPECIFICATION = {
  short: {
    W: 'flag',
    R: 'flag',
    s: 'value',
    c: 'value',
    u: 'value',
    C: 'value',
    v: 'flag',
    x: 'value',
  },
  long: {
    inflight: 'value',
    rate: 'value',
    persistent: 'flag',
    nonpersistent: 'flag',
    json: 'flag',
  },
} as const

/** The options, or a sentence saying what is wrong. */
export function blastOptions(parsed: ParsedArguments): BlastOptions | string {
  const [queueManager, queue] = parsed.positionals
  if (queueManager === undefined || queue === undefined || parsed.positionals.length > 2) {
    return 'queue manager and queue names are required, in that order'
  }
  if (hasFlag(parsed, '-W') === hasFlag(parsed, '-R')) return 'exactly one of -W and -R'
  if (hasFlag(parsed, '--persistent') && hasFlag(parsed, '--nonpersistent')) {
    return 'at most one of --persistent and --nonpersistent'
  }
  const sizes = parseSizes(optionValue(parsed, '-s'))
  const count = whole(optionValue(parsed, '-c'), BLAST_DEFAULT_COUNT, 1)
  const unitOfWork = whole(optionValue(parsed, '-u'), 0, 1)
  const inflight = whole(optionValue(parsed, '--inflight'), 1, 1)
  const rate = whole(optionValue(parsed, '--rate'), 0, 1)
  if (sizes === undefined) return `-s takes sizes 1..${MAX_MESSAGE_BYTES} or random`
  if (count === undefined) return '-c takes a count of at least 1'
  if (unitOfWork === undefined || unitOfWork > count) return '-u takes 1..count'
  if (inflight === undefined || inflight > BLAST_MAX_INFLIGHT) {
    return `--inflight takes 1..${BLAST_MAX_INFLIGHT}`
  }
  if (rate === undefined) return '--rate takes messages per second, at least 1'
  const correlIdText = optionValue(parsed, '-C')
  const correlId = correlIdText === undefined ? undefined : correlIdBytes(correlIdText)
  if (correlId === null) return `-C takes at most ${MESSAGE_ID_BYTES} bytes`
  return {
    queueManager,
    queue,
    mode: hasFlag(parsed, '-W') ? 'write' : 'read',
    sizes,
    count,
    countGiven: optionValue(parsed, '-c') !== undefined,
    unitOfWork,
    correlId,
    verbose: hasFlag(parsed, '-v'),
    inflight,
    rate,
    persistence: persistenceOf(parsed),
    json: hasFlag(parsed, '--json'),
    connectionNames: optionValue(parsed, '-x'),
  }
}

function whole(text: string | undefined, fallback: number, minimum: number): number | undefined {
  if (text === undefined) return fallback
  const value = parseWholeNumber(text)
  return value !== undefined && value >= minimum ? value : undefined
}

/** A comma list of sizes, 'random' (empty list), or undefined if not valid. */
function parseSizes(text: string | undefined): number[] | undefined {
  if (text === undefined) return [BLAST_DEFAULT_MESSAGE_BYTES]
  if (text.toLowerCase() === 'random') return []
  const sizes = text.split(',').map((part) => parseWholeNumber(part.trim()))
  const valid = sizes.every((size) => size !== undefined && size >= 1 && size <= MAX_MESSAGE_BYTES)
  return valid ? (sizes as number[]) : undefined
}

/** MQ copies the text into the 24-byte field and pads with NULs; null if it does not fit. */
function correlIdBytes(text: string): Uint8Array | null {
  const encoded = Buffer.from(text, 'utf8')
  if (encoded.length > MESSAGE_ID_BYTES) return null
  const bytes = Buffer.alloc(MESSAGE_ID_BYTES)
  encoded.copy(bytes)
  return bytes
}

function persistenceOf(parsed: ParsedArguments): Persistence {
  if (hasFlag(parsed, '--persistent')) return Persistence.PERSISTENT
  if (hasFlag(parsed, '--nonpersistent')) return Persistence.NOT_PERSISTENT
  return Persistence.AS_QUEUE
}

/** The size of message `index`: the list in turn, or random in MQ's range. */
export function messageSize(options: BlastOptions, index: number): number {
  if (options.sizes.length === 0) {
    return 1 + Math.floor(Math.random() * BLAST_RANDOM_MAX_MESSAGE_BYTES)
  }
  return options.sizes[index % options.sizes.length]!
}
