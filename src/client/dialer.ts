/**
 * Getting a session: the addresses of a connection-name list are tried in order, each with its
 * own connect timeout (TCP connect plus HELLO), and the first that completes the handshake wins.
 * When every address fails, the call fails with one MQError whose `cause` is an AggregateError
 * holding each address's failure:
 *  - 2059 Q_MGR_NOT_AVAILABLE when no address answered (refused, unreachable, timed out, closed
 *    during the handshake): each cause is 2538 HOST_NOT_AVAILABLE or 2009 with the socket error;
 *  - otherwise the reason of the last queue manager that answered and refused (2058 wrong name,
 *    2543 standby, 2161 quiescing...), since that tells the application more than 2059 does.
 */
import { CompCode, isMQError, MQError, Reason } from '../errors.js'
import { forwardAbort } from './cancellation.js'
import { formatConnectionName, type ConnectionAddress } from './connection-name.js'
import { ClientReason, describeError, isTlsFailure } from './failures.js'
import { Session, type SessionOptions } from './session.js'

export interface DialPlan {
  readonly addresses: readonly ConnectionAddress[]
  readonly connectTimeoutMs: number
  readonly session: SessionOptions
}

/** Reasons that mean "could not reach a queue manager" rather than "one answered no". */
const UNREACHED_REASONS: ReadonlySet<number> = new Set([
  ClientReason.HOST_NOT_AVAILABLE,
  Reason.CONNECTION_BROKEN,
])

async function dialAddress(
  address: ConnectionAddress,
  plan: DialPlan,
  signal: AbortSignal | undefined,
): Promise<Session> {
  const controller = new AbortController()
  const name = formatConnectionName(address)
  const timer = setTimeout(() => {
    const detail = `${name}: no connection within ${plan.connectTimeoutMs} ms`
    controller.abort(new MQError(ClientReason.HOST_NOT_AVAILABLE, detail, CompCode.FAILED))
  }, plan.connectTimeoutMs)
  const unlink = forwardAbort(signal, controller)
  try {
    return await Session.open(address, plan.session, controller.signal)
  } finally {
    clearTimeout(timer)
    unlink()
  }
}

/** Each failure as an MQError naming its address. */
function addressFailure(address: ConnectionAddress, error: unknown): MQError {
  if (isMQError(error)) return error
  const detail = `${formatConnectionName(address)}: ${describeError(error)}`
  if (isTlsFailure(error)) {
    const reason = ClientReason.SSL_INITIALIZATION_ERROR
    return new MQError(reason, `TLS: ${detail}`, CompCode.FAILED, { cause: error })
  }
  return new MQError(ClientReason.HOST_NOT_AVAILABLE, detail, CompCode.FAILED, { cause: error })
}

function everyAddressFailed(plan: DialPlan, failures: readonly MQError[]): MQError {
  const answered = failures.filter((failure) => !UNREACHED_REASONS.has(failure.reason))
  const reason = answered.at(-1)?.reason ?? Reason.Q_MGR_NOT_AVAILABLE
  const list = plan.addresses.map(formatConnectionName).join(',')
  const details = failures.map((failure) => failure.message).join('; ')
  const causes = new AggregateError(failures, `every address of '${list}' failed`)
  return new MQError(reason, `no queue manager at '${list}': ${details}`, CompCode.FAILED, {
    cause: causes,
  })
}

/** The first session any address gives; see the header for how failures are reported. */
export async function dialFirst(plan: DialPlan, signal?: AbortSignal): Promise<Session> {
  const failures: MQError[] = []
  for (const address of plan.addresses) {
    try {
      return await dialAddress(address, plan, signal)
    } catch (error) {
      if (signal?.aborted === true) throw signal.reason
      failures.push(addressFailure(address, error))
    }
  }
  throw everyAddressFailed(plan, failures)
}
