/**
 * The server's half of HELLO (client-protocol.ts "Conversation"): pick the version, check the
 * queue manager the client asked for, negotiate the heartbeat interval. Pure: the session does
 * the MQCONN and the writing.
 *
 * | HELLO                                  | answer                                        |
 * |----------------------------------------|-----------------------------------------------|
 * | no version in common                   | ERROR 2195, then close                        |
 * | queueManager not empty and not ours    | ERROR 2058 Q_MGR_NAME_ERROR, then close       |
 * | otherwise                              | HELLO_OK: version, our name, heartbeat, limit |
 *
 * The heartbeat is the larger of the two offers, as MQ's HBINT is negotiated; 0 on both sides
 * means none.
 */
import { randomBytes } from 'node:crypto'
import { MAX_MESSAGE_BYTES, MESSAGE_ID_BYTES } from '../constants.js'
import { Reason } from '../errors.js'
import {
  AuthMechanism,
  CLIENT_PROTOCOL_VERSION,
  CREDENTIALS_SEPARATOR,
  Opcode,
  chooseVersion,
  type ErrorFrame,
  type HelloFrame,
  type HelloOkFrame,
} from '../wire/client-protocol.js'
import { errorFrame } from './error-reply.js'

export interface HandshakeTerms {
  readonly queueManagerName: string
  /** The server's heartbeat offer in milliseconds (0: none). */
  readonly heartbeatMs: number
}

export type HandshakeOutcome =
  | { readonly accepted: true; readonly reply: HelloOkFrame; readonly heartbeatMs: number }
  | { readonly accepted: false; readonly reply: ErrorFrame }

const U32_MAX = 0xffff_ffff

export function answerHello(hello: HelloFrame, terms: HandshakeTerms): HandshakeOutcome {
  const version = chooseVersion(hello, CLIENT_PROTOCOL_VERSION, CLIENT_PROTOCOL_VERSION)
  if (version === undefined) {
    const offered = `${hello.minVersion}..${hello.maxVersion}`
    const message = `no protocol version in common: client ${offered}, server ${CLIENT_PROTOCOL_VERSION}`
    return { accepted: false, reply: errorFrame(hello.requestId, Reason.UNEXPECTED_ERROR, message) }
  }
  if (hello.queueManager !== '' && hello.queueManager !== terms.queueManagerName) {
    const message = `queue manager ${hello.queueManager} is not served here (this is ${terms.queueManagerName})`
    return { accepted: false, reply: errorFrame(hello.requestId, Reason.Q_MGR_NAME_ERROR, message) }
  }
  const heartbeatMs = Math.min(Math.max(hello.heartbeatMs, terms.heartbeatMs), U32_MAX)
  const reply: HelloOkFrame = {
    type: Opcode.HELLO_OK,
    requestId: hello.requestId,
    version,
    queueManager: terms.queueManagerName,
    heartbeatMs,
    maxMessageBytes: MAX_MESSAGE_BYTES,
    connectionId: randomBytes(MESSAGE_ID_BYTES),
  }
  return { accepted: true, reply, heartbeatMs }
}

/**
 * HELLO's user id and password (mechanism USER_PASSWORD: UTF-8 `userId NUL password`), or
 * undefined for none. Credentials without a separator are a user id with an empty password,
 * which no stored hash matches.
 */
export function credentialsOf(
  hello: HelloFrame,
): { readonly userId: string; readonly password: string } | undefined {
  if (hello.authMechanism !== AuthMechanism.USER_PASSWORD) return undefined
  const text = Buffer.from(hello.credentials).toString('utf8')
  const split = text.indexOf(CREDENTIALS_SEPARATOR)
  if (split < 0) return { userId: text, password: '' }
  return { userId: text.slice(0, split), password: text.slice(split + 1) }
}
