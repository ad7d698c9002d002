/**
 * Connection names as MQ spells them: CONNAME 'host(port)', a comma-separated list of those
 * tried in order, or the MQSERVER form 'CHANNEL/TCP/host(port)[,host(port)...]'. A host with
 * no port gets 1414; an IPv6 host may be bracketed, '[::1](1414)', or bare, '::1(1414)'.
 */
import { CLIENT_DEFAULT_PORT, CLIENT_MAX_CONNECTION_NAMES } from '../constants.js'
import { CompCode, MQError } from '../errors.js'
import { ClientReason } from './failures.js'

export interface ConnectionAddress {
  /** A host name or IP address; IPv6 without brackets. */
  readonly host: string
  readonly port: number
}

const PORT_MAX = 65_535
/** host(port): the host is everything before the last '(' (IPv6 has no parentheses). */
const HOST_AND_PORT = /^(.*)\((\d{1,5})\)$/
const BRACKETED_HOST = /^\[([^\]]+)\]$/
/** No blanks, commas, slashes or parentheses in a host: they are the list's own syntax. */
const VALID_HOST = /^[^\s,/()[\]]+$/

function invalid(text: string, detail: string): MQError {
  return new MQError(
    ClientReason.HOST_NOT_AVAILABLE,
    `connection name '${text}' ${detail}`,
    CompCode.FAILED,
  )
}

/** Strips MQSERVER's 'CHANNEL/TCP/' prefix; the channel name is not used by QuorumMQ. */
function connectionNamePart(text: string): string {
  const parts = text.split('/')
  if (parts.length === 1) return text
  const [channel, transport, names] = parts
  if (parts.length !== 3 || channel === undefined || names === undefined) {
    throw invalid(text, "is neither 'host(port),...' nor 'CHANNEL/TCP/host(port),...'")
  }
  if (transport?.trim().toUpperCase() !== 'TCP') {
    throw invalid(text, `names transport '${transport ?? ''}', only TCP is supported`)
  }
  return names
}

function parseAddress(entry: string, text: string): ConnectionAddress {
  const matched = HOST_AND_PORT.exec(entry)
  let host = matched === null ? entry : (matched[1] ?? '')
  const port = matched === null ? CLIENT_DEFAULT_PORT : Number(matched[2])
  if (matched === null && entry.includes('(')) throw invalid(text, `has a bad port in '${entry}'`)
  host = host.trim()
  const bracketed = BRACKETED_HOST.exec(host)
  if (bracketed !== null) host = bracketed[1] ?? ''
  if (!VALID_HOST.test(host)) throw invalid(text, `has no valid host in '${entry}'`)
  if (port < 1 || port > PORT_MAX) throw invalid(text, `has port ${port}, expected 1..${PORT_MAX}`)
  return { host, port }
}

/** Parses a connection-name list; throws MQError 2538 (HOST_NOT_AVAILABLE) when malformed. */
export function parseConnectionNameList(text: string): ConnectionAddress[] {
  const entries = connectionNamePart(text.trim())
    .split(',')
    .map((entry) => entry.trim())
  if (entries.some((entry) => entry === '')) throw invalid(text, 'has an empty entry')
  if (entries.length > CLIENT_MAX_CONNECTION_NAMES) {
    throw invalid(text, `lists ${entries.length} addresses, at most ${CLIENT_MAX_CONNECTION_NAMES}`)
  }
  return entries.map((entry) => parseAddress(entry, text))
}

/** 'host(port)', brackets around an IPv6 host so the text parses back to the same address. */
export function formatConnectionName(address: ConnectionAddress): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host
  return `${host}(${address.port})`
}
