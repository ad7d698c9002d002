/**
 * The one error catalogue. Two families, both with stable codes:
 *  - MQError: what an MQ application sees; `reason` is the MQRC number, `compCode` the MQCC.
 *  - QmqError: operating errors of QuorumMQ itself (journal corruption, full disk, bad config),
 *    with a stable string `code` and the `cause` that produced them.
 * Assertion failures (programmer errors) are src/assert.ts and are never caught to continue.
 * Brands use Symbol.for so `isMQError` holds across duplicate installs of the package.
 */

export const CompCode = { OK: 0, WARNING: 1, FAILED: 2 } as const
export type CompCode = (typeof CompCode)[keyof typeof CompCode]

/** MQRC values used by QuorumMQ, named as in MQ (rdqm.md section 7, section 5). */
export const Reason = {
  NONE: 0,
  ALREADY_CONNECTED: 2002,
  BACKED_OUT: 2003,
  CONNECTION_BROKEN: 2009,
  GET_INHIBITED: 2016,
  HANDLE_NOT_AVAILABLE: 2017,
  HCONN_ERROR: 2018,
  HOBJ_ERROR: 2019,
  SYNCPOINT_LIMIT_REACHED: 2024,
  MSG_TOO_BIG_FOR_Q: 2030,
  MSG_TOO_BIG_FOR_Q_MGR: 2031,
  NO_MSG_AVAILABLE: 2033,
  NO_MSG_UNDER_CURSOR: 2034,
  NOT_AUTHORIZED: 2035,
  NOT_OPEN_FOR_BROWSE: 2036,
  NOT_OPEN_FOR_INPUT: 2037,
  NOT_OPEN_FOR_OUTPUT: 2039,
  OBJECT_IN_USE: 2042,
  OPTIONS_ERROR: 2046,
  PERSISTENCE_ERROR: 2047,
  PRIORITY_ERROR: 2050,
  PUT_INHIBITED: 2051,
  Q_DELETED: 2052,
  Q_FULL: 2053,
  Q_NOT_EMPTY: 2055,
  Q_SPACE_NOT_AVAILABLE: 2056,
  Q_MGR_NAME_ERROR: 2058,
  Q_MGR_NOT_AVAILABLE: 2059,
  EXPIRY_ERROR: 2013,
  BUFFER_LENGTH_ERROR: 2005,
  MD_ERROR: 2026,
  MSG_ID_ERROR: 2206,
  CORREL_ID_ERROR: 2207,
  FORMAT_ERROR: 2110,
  FUNCTION_NOT_SUPPORTED: 2298,
  TRUNCATED_MSG_FAILED: 2080,
  UNKNOWN_OBJECT_NAME: 2085,
  WAIT_INTERVAL_ERROR: 2090,
  OBJECT_ALREADY_EXISTS: 2100,
  OBJECT_DAMAGED: 2101,
  RESOURCE_PROBLEM: 2102,
  STORAGE_NOT_AVAILABLE: 2071,
  UOW_IN_PROGRESS: 2128,
  OBJECT_NAME_ERROR: 2152,
  Q_MGR_QUIESCING: 2161,
  Q_MGR_STOPPING: 2162,
  CONNECTION_QUIESCING: 2202,
  CONNECTION_STOPPING: 2203,
  UNEXPECTED_ERROR: 2195,
  RECONNECTING: 2544,
  RECONNECTED: 2545,
  RECONNECT_FAILED: 2548,
  CALL_INTERRUPTED: 2549,
  RECONNECT_TIMED_OUT: 2556,
  STANDBY_Q_MGR: 2543,
  /** MQRCCF_ATTR_VALUE_ERROR: an attribute value of a DEFINE or ALTER is not valid. */
  CF_ATTR_VALUE_ERROR: 4005,
} as const
export type Reason = (typeof Reason)[keyof typeof Reason]

const reasonNames = new Map<number, string>(
  Object.entries(Reason).map(([name, value]) => [value, `MQRC_${name}`]),
)

/** `MQRC_Q_FULL` for 2053; `MQRC_<n>` for a number MQ has but this catalogue does not name. */
export function reasonName(reason: number): string {
  return reasonNames.get(reason) ?? `MQRC_${reason}`
}

const MQ_ERROR_BRAND = Symbol.for('quorummq.MQError')
const QMQ_ERROR_BRAND = Symbol.for('quorummq.QmqError')

export class MQError extends Error {
  override readonly name = 'MQError'
  readonly [MQ_ERROR_BRAND] = true
  constructor(
    readonly reason: number,
    message?: string,
    readonly compCode: CompCode = CompCode.FAILED,
    options?: { cause?: unknown },
  ) {
    super(
      `${reasonName(reason)} (${reason})${message === undefined ? '' : `: ${message}`}`,
      options,
    )
  }
}

export function isMQError(value: unknown): value is MQError {
  return typeof value === 'object' && value !== null && MQ_ERROR_BRAND in value
}

/** Stable codes of QuorumMQ's own operating errors. */
export const ErrorCode = {
  JOURNAL_CORRUPT: 'QMQ_JOURNAL_CORRUPT',
  JOURNAL_SEGMENT_MISSING: 'QMQ_JOURNAL_SEGMENT_MISSING',
  JOURNAL_WRITE_FAILED: 'QMQ_JOURNAL_WRITE_FAILED',
  JOURNAL_CLOSED: 'QMQ_JOURNAL_CLOSED',
  CHECKPOINT_CORRUPT: 'QMQ_CHECKPOINT_CORRUPT',
  ACTOR_FAILED: 'QMQ_ACTOR_FAILED',
  RESTART_BUDGET_EXHAUSTED: 'QMQ_RESTART_BUDGET_EXHAUSTED',
  RING_CLOSED: 'QMQ_RING_CLOSED',
  RING_FRAME_TOO_LARGE: 'QMQ_RING_FRAME_TOO_LARGE',
  RECORD_INVALID: 'QMQ_RECORD_INVALID',
  FRAME_INVALID: 'QMQ_FRAME_INVALID',
  CONFIG_INVALID: 'QMQ_CONFIG_INVALID',
  DATA_DIRECTORY_LOCKED: 'QMQ_DATA_DIRECTORY_LOCKED',
  LISTEN_FAILED: 'QMQ_LISTEN_FAILED',
} as const
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

export class QmqError extends Error {
  override readonly name = 'QmqError'
  readonly [QMQ_ERROR_BRAND] = true
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options)
  }
}

export function isQmqError(value: unknown): value is QmqError {
  return typeof value === 'object' && value !== null && QMQ_ERROR_BRAND in value
}
