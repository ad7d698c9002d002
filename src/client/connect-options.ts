/**
 * What connect() takes, and the checked, defaulted form the connection works from.
 */
import { basename } from 'node:path'
import {
  CLIENT_DEFAULT_CONNECT_TIMEOUT_MS,
  CLIENT_DEFAULT_HEARTBEAT_MS,
  CLIENT_DEFAULT_RECONNECT_TIMEOUT_MS,
  MAX_WAIT_MS,
} from '../constants.js'
import { CompCode, MQError, Reason } from '../errors.js'
import { parseConnectionNameList, type ConnectionAddress } from './connection-name.js'
import type { ReconnectOptions } from './reconnect.js'

/** TLS towards the queue manager (Node's tls.connect options of the same names). */
export interface ClientTlsOptions {
  /** CA certificates that sign the queue manager's certificate (PEM); default: Node's roots. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[]
  /** A client certificate and its key, for a listener that maps certificates to users. */
  readonly cert?: string | Buffer
  readonly key?: string | Buffer
  /** The name the queue manager's certificate must carry; default: the address's host. */
  readonly servername?: string
}

export interface ConnectOptions {
  /** The queue manager to connect to; '' or undefined: whichever one answers. */
  readonly queueManager?: string
  /**
   * 'host(port)', a list 'host(port),host(port)' tried in order, or MQSERVER's
   * 'CHANNEL/TCP/host(port)'. A host without a port gets 1414.
   */
  readonly connName: string
  /** Shown to administrators (MQ's APPLTAG); default: the script's file name. */
  readonly clientName?: string
  /** Heartbeat interval offered; the queue manager may choose a larger one. 0: none. */
  readonly heartbeatMs?: number
  /** Per address: TCP connect plus handshake. */
  readonly connectTimeoutMs?: number
  /** Aborts connecting (not the connection once made: close() ends that). */
  readonly signal?: AbortSignal
  /** Re-establish the connection when it breaks (MQCNO_RECONNECT); off when absent. */
  readonly reconnect?: ReconnectOptions
  /** Connect over TLS (the listener must have ssl/key.pem and cert.pem). */
  readonly tls?: ClientTlsOptions
  /** Credentials checked by the queue manager (MQCSP): both or neither. */
  readonly userId?: string
  readonly password?: string
}

export interface ResolvedConnectOptions {
  readonly queueManager: string
  readonly addresses: readonly ConnectionAddress[]
  readonly clientName: string
  readonly heartbeatMs: number
  readonly connectTimeoutMs: number
  readonly reconnect: (ReconnectOptions & { readonly timeoutMs: number }) | undefined
  readonly tls: ClientTlsOptions | undefined
  readonly credentials: { readonly userId: string; readonly password: string } | undefined
}

/** MQ's APPLTAG is 28 characters: enough to recognise a program, well inside the field. */
const CLIENT_NAME_CHARACTERS = 28

function defaultClientName(): string {
  const script = process.argv[1]
  const name = script === undefined ? 'node' : basename(script)
  return Array.from(name).slice(0, CLIENT_NAME_CHARACTERS).join('')
}

/** A whole number of ms in [minimum, MAX_WAIT_MS], or the default when absent. */
function milliseconds(
  name: string,
  value: number | undefined,
  fallback: number,
  minimum: number,
): number {
  if (value === undefined) return fallback
  if (Number.isInteger(value) && value >= minimum && value <= MAX_WAIT_MS) return value
  const detail = `${name} is ${value}, expected a whole number of ms in ${minimum}..${MAX_WAIT_MS}`
  throw new MQError(Reason.OPTIONS_ERROR, detail, CompCode.FAILED)
}

function credentialsOf(options: ConnectOptions): ResolvedConnectOptions['credentials'] {
  const { userId, password } = options
  if (userId === undefined && password === undefined) return undefined
  if (typeof userId !== 'string' || userId === '' || userId.includes('\u0000')) {
    const detail = 'userId must be a non-empty string without NUL when a password is given'
    throw new MQError(Reason.OPTIONS_ERROR, detail, CompCode.FAILED)
  }
  return { userId, password: password ?? '' }
}

export function resolveConnectOptions(options: ConnectOptions): ResolvedConnectOptions {
  const reconnect = options.reconnect
  return {
    tls: options.tls,
    credentials: credentialsOf(options),
    queueManager: options.queueManager ?? '',
    addresses: parseConnectionNameList(options.connName),
    clientName: options.clientName ?? defaultClientName(),
    heartbeatMs: milliseconds('heartbeatMs', options.heartbeatMs, CLIENT_DEFAULT_HEARTBEAT_MS, 0),
    connectTimeoutMs: milliseconds(
      'connectTimeoutMs',
      options.connectTimeoutMs,
      CLIENT_DEFAULT_CONNECT_TIMEOUT_MS,
      1,
    ),
    reconnect: reconnect && {
      ...reconnect,
      timeoutMs: milliseconds(
        'reconnect.timeoutMs',
        reconnect.timeoutMs,
        CLIENT_DEFAULT_RECONNECT_TIMEOUT_MS,
        0,
      ),
    },
  }
}
