/**
 * DISPLAY responses in runmqsc's layout: `KEYWORD(value)` items two per line, indented three
 * blanks, the second item starting in column 44 (the first padded to 40 characters). An item too
 * long for a column (a long DESCR) takes a line of its own, as in MQ. Values are shown as MQ
 * shows them: no quotes, an empty string as one blank (`DESCR( )`).
 */
import type { QueueAttributes, QueueStatus } from '../queue/types.js'
import { ALIAS_DISPLAY_KEYWORDS } from './keywords.js'
import type {
  QueueDisplayKeyword,
  QueueManagerStatusDisplayKeyword,
  StatusDisplayKeyword,
} from './keywords.js'

const INDENT = '   '
const COLUMN_WIDTH_CHARACTERS = 40

export function item(keyword: string, value: string | number): string {
  const text = String(value)
  return `${keyword}(${text === '' ? ' ' : text})`
}

/** Items laid out two per line. */
export function columns(items: readonly string[]): string[] {
  const lines: string[] = []
  let left: string | undefined
  for (const current of items) {
    // An item needs one blank after it to leave the second column clear.
    if (current.length >= COLUMN_WIDTH_CHARACTERS) {
      if (left !== undefined) lines.push(INDENT + left)
      lines.push(INDENT + current)
      left = undefined
    } else if (left === undefined) {
      left = current
    } else {
      lines.push(INDENT + left.padEnd(COLUMN_WIDTH_CHARACTERS) + current)
      left = undefined
    }
  }
  if (left !== undefined) lines.push(INDENT + left)
  return lines
}

/** A local queue (with its status) or, without status, an alias queue. */
export function queueItems(
  attributes: QueueAttributes,
  status: QueueStatus | undefined,
  keywords: readonly QueueDisplayKeyword[],
): string[] {
  if (status === undefined) {
    const wanted = keywords.filter((keyword) => ALIAS_DISPLAY_KEYWORDS.includes(keyword))
    const aliasValues: Partial<Record<QueueDisplayKeyword, string>> = {
      DESCR: attributes.description,
      GET: attributes.getEnabled ? 'ENABLED' : 'DISABLED',
      PUT: attributes.putEnabled ? 'ENABLED' : 'DISABLED',
      TARGET: attributes.targetQueue ?? '',
    }
    return [
      item('QUEUE', attributes.name),
      item('TYPE', 'QALIAS'),
      ...wanted.map((keyword) => item(keyword, aliasValues[keyword] ?? '')),
    ]
  }
  const values: Record<Exclude<QueueDisplayKeyword, 'TARGET'>, string | number> = {
    BOQNAME: attributes.backoutRequeueQueue ?? '',
    BOTHRESH: attributes.backoutThreshold ?? 0,
    CURDEPTH: status.currentDepth,
    DEFPRTY: attributes.defaultPriority,
    DEFPSIST: attributes.defaultPersistent ? 'YES' : 'NO',
    DESCR: attributes.description,
    GET: attributes.getEnabled ? 'ENABLED' : 'DISABLED',
    IPPROCS: status.openInputCount,
    MAXDEPTH: attributes.maxDepth,
    MAXMSGL: attributes.maxMessageLength,
    MSGDLVSQ: attributes.deliverySequence,
    OPPROCS: status.openOutputCount,
    PUT: attributes.putEnabled ? 'ENABLED' : 'DISABLED',
    USAGE: 'NORMAL',
  }
  return [
    item('QUEUE', attributes.name),
    item('TYPE', 'QLOCAL'),
    ...keywords.flatMap((keyword) =>
      keyword === 'TARGET' ? [] : [item(keyword, values[keyword])],
    ),
  ]
}

export function statusItems(
  status: QueueStatus,
  keywords: readonly StatusDisplayKeyword[],
): string[] {
  const values: Record<StatusDisplayKeyword, string | number> = {
    CURDEPTH: status.currentDepth,
    IPPROCS: status.openInputCount,
    OPPROCS: status.openOutputCount,
    // Distributed MQ shows NO, or the count of uncommitted puts and gets.
    UNCOM: status.uncommittedCount === 0 ? 'NO' : status.uncommittedCount,
  }
  return [
    item('QUEUE', status.name),
    item('TYPE', 'QUEUE'),
    ...keywords.map((keyword) => item(keyword, values[keyword])),
  ]
}

/**
 * The log figures DISPLAY QMSTATUS shows, as the queue manager reports them (its logStatus()
 * has these fields). Absent when the script runs against an engine alone (tests, or a host that
 * does not pass them): the log attributes are then left out.
 */
export interface QueueManagerLogView {
  readonly currentLsn: number
  readonly recoveryFloorLsn: number
  readonly retainedFloorLsn: number
  readonly checkpointLsn: number
  readonly logBytesOnDisk: number
  readonly segments: number
  readonly logBytesInUse: number
}

export function queueManagerStatusItems(
  queueManagerName: string,
  log: QueueManagerLogView | undefined,
  keywords: readonly QueueManagerStatusDisplayKeyword[],
): string[] {
  const values: Record<QueueManagerStatusDisplayKeyword, string | number | undefined> = {
    STATUS: 'RUNNING',
    CURRLOG: log?.currentLsn,
    RECLOG: log?.recoveryFloorLsn,
    MEDIALOG: log?.retainedFloorLsn,
    CKPTLOG: log?.checkpointLsn,
    LOGSIZE: log?.logBytesOnDisk,
    LOGSEGS: log?.segments,
    LOGINUSE: log?.logBytesInUse,
  }
  const shown = keywords.flatMap((keyword) => {
    const value = values[keyword]
    return value === undefined ? [] : [item(keyword, value)]
  })
  return [item('QMNAME', queueManagerName), ...shown]
}
