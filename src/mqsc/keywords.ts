/**
 * The MQSC vocabulary QuorumMQ understands: verbs and object types with MQ's synonyms (DEF,
 * DIS, QL, Q, QS; no synonym for DELETE, as in MQ, so that DEF cannot be mistyped into a
 * delete), the local-queue attributes DEFINE and ALTER set with their value rules, and the
 * attribute names DISPLAY accepts. Ranges come from src/constants.ts, the same limits the
 * queue engine enforces, so a command that parses is one the engine accepts.
 */
import { Buffer } from 'node:buffer'
import {
  MAX_DEPTH_LIMIT,
  MAX_MESSAGE_BYTES,
  MAX_QUEUE_DESCRIPTION_BYTES,
  MAX_QUEUE_NAME_BYTES,
  PRIORITY_LEVELS,
} from '../constants.js'
import { isValidQueueName } from '../queue/queue-attributes.js'
import type { QueueChanges } from '../queue/engine.js'

export type Verb = 'ALTER' | 'CLEAR' | 'DEFINE' | 'DELETE' | 'DISPLAY' | 'END'
export type ObjectType = 'QLOCAL' | 'QALIAS' | 'QUEUE' | 'QSTATUS' | 'QMGR' | 'QMSTATUS'

export const VERBS: ReadonlyMap<string, Verb> = new Map([
  ['ALTER', 'ALTER'],
  ['CLEAR', 'CLEAR'],
  ['DEFINE', 'DEFINE'],
  ['DEF', 'DEFINE'],
  ['DELETE', 'DELETE'],
  ['DISPLAY', 'DISPLAY'],
  ['DIS', 'DISPLAY'],
  ['END', 'END'],
  // runmqsc also ends on EXIT and QUIT.
  ['EXIT', 'END'],
  ['QUIT', 'END'],
])

export const OBJECT_TYPES: ReadonlyMap<string, ObjectType> = new Map([
  ['QLOCAL', 'QLOCAL'],
  ['QL', 'QLOCAL'],
  ['QALIAS', 'QALIAS'],
  ['QA', 'QALIAS'],
  ['QUEUE', 'QUEUE'],
  ['Q', 'QUEUE'],
  ['QSTATUS', 'QSTATUS'],
  ['QS', 'QSTATUS'],
  ['QMGR', 'QMGR'],
  ['QMSTATUS', 'QMSTATUS'],
])

export const OBJECT_TYPES_BY_VERB: Readonly<Record<Verb, readonly ObjectType[]>> = {
  ALTER: ['QLOCAL', 'QALIAS', 'QMGR'],
  CLEAR: ['QLOCAL'],
  DEFINE: ['QLOCAL', 'QALIAS'],
  DELETE: ['QLOCAL', 'QALIAS'],
  DISPLAY: ['QLOCAL', 'QALIAS', 'QUEUE', 'QSTATUS', 'QMGR', 'QMSTATUS'],
  END: [],
}

export type ValueRule =
  | { readonly kind: 'integer'; readonly minimum: number; readonly maximum: number }
  | { readonly kind: 'choice'; readonly choices: readonly string[] }
  | { readonly kind: 'text'; readonly maximumBytes: number }
  /** An MQ object name; `blank` allows '' (a blank value clears it, as BOQNAME(' ')). */
  | { readonly kind: 'name'; readonly blank: boolean }

/** A DEFINE/ALTER attribute: its value rule and the engine change a valid value makes. */
export interface SettableAttribute {
  readonly keyword: string
  readonly rule: ValueRule
  readonly change: (value: string) => QueueChanges
}

const integer = (minimum: number, maximum: number): ValueRule => ({
  kind: 'integer',
  minimum,
  maximum,
})
const choice = (...choices: string[]): ValueRule => ({ kind: 'choice', choices })

/** In keyword order, which is also the order syntax help lists them in. */
export const SETTABLE_ATTRIBUTES: ReadonlyMap<string, SettableAttribute> = new Map(
  [
    {
      keyword: 'BOQNAME',
      rule: { kind: 'name', blank: true } as const,
      change: (value: string): QueueChanges => ({ backoutRequeueQueue: value.trim() }),
    },
    {
      keyword: 'BOTHRESH',
      rule: integer(0, MAX_DEPTH_LIMIT),
      change: (value: string): QueueChanges => ({ backoutThreshold: Number(value) }),
    },
    {
      keyword: 'DEFPRTY',
      rule: integer(0, PRIORITY_LEVELS - 1),
      change: (value: string): QueueChanges => ({ defaultPriority: Number(value) }),
    },
    {
      keyword: 'DEFPSIST',
      rule: choice('NO', 'YES'),
      change: (value: string): QueueChanges => ({ defaultPersistent: value === 'YES' }),
    },
    {
      keyword: 'DESCR',
      rule: { kind: 'text', maximumBytes: MAX_QUEUE_DESCRIPTION_BYTES } as const,
      // MQ blank-pads character attributes, so trailing blanks carry nothing: DESCR(' ') clears.
      change: (value: string): QueueChanges => ({ description: value.trimEnd() }),
    },
    {
      keyword: 'GET',
      rule: choice('ENABLED', 'DISABLED'),
      change: (value: string): QueueChanges => ({ getEnabled: value === 'ENABLED' }),
    },
    {
      keyword: 'MAXDEPTH',
      rule: integer(0, MAX_DEPTH_LIMIT),
      change: (value: string): QueueChanges => ({ maxDepth: Number(value) }),
    },
    {
      keyword: 'MAXMSGL',
      rule: integer(0, MAX_MESSAGE_BYTES),
      change: (value: string): QueueChanges => ({ maxMessageLength: Number(value) }),
    },
    {
      keyword: 'MSGDLVSQ',
      rule: choice('PRIORITY', 'FIFO'),
      change: (value: string): QueueChanges => ({
        deliverySequence: value === 'FIFO' ? 'FIFO' : 'PRIORITY',
      }),
    },
    {
      keyword: 'PUT',
      rule: choice('ENABLED', 'DISABLED'),
      change: (value: string): QueueChanges => ({ putEnabled: value === 'ENABLED' }),
    },
    {
      keyword: 'TARGET',
      rule: { kind: 'name', blank: false } as const,
      change: (value: string): QueueChanges => ({ targetQueue: value }),
    },
  ].map((attribute) => [attribute.keyword, attribute]),
)

export function isValidValue(rule: ValueRule, value: string): boolean {
  switch (rule.kind) {
    case 'integer':
      // Digits only: MQSC has no signs or exponents, and Number('') or Number('0x1') must not pass.
      return (
        /^[0-9]+$/.test(value) && Number(value) >= rule.minimum && Number(value) <= rule.maximum
      )
    case 'choice':
      return rule.choices.includes(value)
    case 'text':
      return Buffer.byteLength(value, 'utf8') <= rule.maximumBytes
    case 'name':
      return (rule.blank && value.trim() === '') || isValidQueueName(value)
  }
}

/** The attributes each object type takes on DEFINE and ALTER (an alias has few). */
export const SETTABLE_BY_OBJECT_TYPE: Readonly<Record<'QLOCAL' | 'QALIAS', readonly string[]>> = {
  QLOCAL: [...SETTABLE_ATTRIBUTES.keys()].filter((keyword) => keyword !== 'TARGET'),
  QALIAS: ['DESCR', 'GET', 'PUT', 'TARGET'],
}

/** ALTER QMGR attributes. */
export const QUEUE_MANAGER_SETTABLE: ReadonlyMap<string, ValueRule> = new Map<string, ValueRule>([
  ['DEADQ', { kind: 'name', blank: true }],
  ['DESCR', { kind: 'text', maximumBytes: MAX_QUEUE_DESCRIPTION_BYTES }],
])

/** The values a rule allows, in words: `0 to 9`, `NO or YES`, `at most 64 bytes of text`. */
export function allowedValues(rule: ValueRule): string {
  switch (rule.kind) {
    case 'integer':
      return `an integer from ${rule.minimum} to ${rule.maximum}`
    case 'choice':
      return `${rule.choices.slice(0, -1).join(', ')} or ${rule.choices.at(-1)}`
    case 'text':
      return `text of at most ${rule.maximumBytes} bytes (UTF-8)`
    case 'name':
      return `a queue name of at most ${MAX_QUEUE_NAME_BYTES} characters${rule.blank ? ' or blank' : ''}`
  }
}

/** DISPLAY QLOCAL attributes besides QUEUE and TYPE, in MQ's (alphabetical) display order. */
export const QUEUE_DISPLAY_KEYWORDS = [
  'BOQNAME',
  'BOTHRESH',
  'CURDEPTH',
  'DEFPRTY',
  'DEFPSIST',
  'DESCR',
  'GET',
  'IPPROCS',
  'MAXDEPTH',
  'MAXMSGL',
  'MSGDLVSQ',
  'OPPROCS',
  'PUT',
  'TARGET',
  'USAGE',
] as const

/** What DISPLAY shows of an alias queue (the others do not apply to it). */
export const ALIAS_DISPLAY_KEYWORDS: readonly QueueDisplayKeyword[] = [
  'DESCR',
  'GET',
  'PUT',
  'TARGET',
]
export type QueueDisplayKeyword = (typeof QUEUE_DISPLAY_KEYWORDS)[number]

/** DISPLAY QSTATUS attributes besides QUEUE and TYPE, in display order. */
export const STATUS_DISPLAY_KEYWORDS = ['CURDEPTH', 'IPPROCS', 'OPPROCS', 'UNCOM'] as const
export type StatusDisplayKeyword = (typeof STATUS_DISPLAY_KEYWORDS)[number]

/** DISPLAY QMGR attributes. */
export const QUEUE_MANAGER_DISPLAY_KEYWORDS = [
  'DEADQ',
  'DESCR',
  'MAXMSGL',
  'MAXPRTY',
  'MAXUMSGS',
  'QMNAME',
] as const
export type QueueManagerDisplayKeyword = (typeof QUEUE_MANAGER_DISPLAY_KEYWORDS)[number]

/**
 * DISPLAY QMSTATUS attributes besides QMNAME, in display order. STATUS, CURRLOG, RECLOG and
 * MEDIALOG are MQ's (MQ names log extents; here they are LSNs: the next byte to be written, the
 * oldest byte restart recovery needs, the oldest byte kept); CKPTLOG (the newest checkpoint's
 * LSN), LOGSIZE (bytes of log files on disk), LOGSEGS (segment files) and LOGINUSE (bytes from
 * MEDIALOG to CURRLOG; MQ shows a percentage of a fixed log, which this log does not have) are
 * QuorumMQ's.
 */
export const QUEUE_MANAGER_STATUS_DISPLAY_KEYWORDS = [
  'STATUS',
  'CURRLOG',
  'RECLOG',
  'MEDIALOG',
  'CKPTLOG',
  'LOGSIZE',
  'LOGSEGS',
  'LOGINUSE',
] as const
export type QueueManagerStatusDisplayKeyword =
  (typeof QUEUE_MANAGER_STATUS_DISPLAY_KEYWORDS)[number]

/**
 * TYPE values of DISPLAY QUEUE. Only local queues exist here, but naming another MQ queue type
 * is a valid question whose answer is "none", not a syntax error.
 */
export const QUEUE_TYPES = ['ALL', 'QLOCAL', 'QALIAS', 'QREMOTE', 'QMODEL', 'QCLUSTER'] as const
