/**
 * How the client turns what went wrong into the MQError an application expects: every failure
 * a call reports has an MQRC `reason` and an MQCC `compCode`, and keeps what produced it as
 * `cause` (a socket error, a FrameError, the server's own MQError).
 */
import { CompCode, isMQError, MQError, Reason } from '../errors.js'
import type { FrameError } from '../wire/client-protocol.js'
import type { ErrorFrame } from '../wire/client-protocol.js'

/** MQRC values the client uses that the shared catalogue (src/errors.ts) does not name. */
export const ClientReason = {
  /** MQRC_HOST_NOT_AVAILABLE: no conversation could be set up with one address. */
  HOST_NOT_AVAILABLE: 2538,
  /** MQRC_SSL_INITIALIZATION_ERROR: TLS could not be set up (untrusted or wrong certificate). */
  SSL_INITIALIZATION_ERROR: 2393,
} as const

/** Node's and OpenSSL's codes for a TLS handshake or certificate check that failed. */
export function isTlsFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code
  return typeof code === 'string' && /CERT|SSL|TLS|SIGNATURE|ISSUER/.test(code)
}

/** A server ERROR frame, 1:1: its reason, its completion code, its text. */
export function errorFromErrorFrame(frame: ErrorFrame): MQError {
  return new MQError(frame.reason, frame.message, frame.compCode)
}

/** A request the encoder refused (bad priority, over-long name...): the field's own MQRC. */
export function errorFromFrameError(error: FrameError): MQError {
  return new MQError(error.reason, error.message, CompCode.FAILED, { cause: error })
}

export function connectionBroken(detail: string, cause?: unknown): MQError {
  return new MQError(Reason.CONNECTION_BROKEN, detail, CompCode.FAILED, { cause })
}

export function connectionClosed(): MQError {
  return new MQError(Reason.HCONN_ERROR, 'the connection has been closed', CompCode.FAILED)
}

export function hasReason(error: unknown, reason: number): error is MQError {
  return isMQError(error) && error.reason === reason
}

/** A message for any thrown value, for wrapping it with context. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
