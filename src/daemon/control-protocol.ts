/**
 * The daemon's control socket protocol: newline-delimited JSON over a Unix socket, one object
 * per line, any number of requests per connection, answered in any order by id.
 *
 *   request  {"id": 7, "command": "strmqm", "arguments": {"queueManager": "QM1"}}
 *   response {"id": 7, "exitCode": 0, "output": ["..."], "errors": [], "data": {...}}
 *
 * Any command the daemon knows can be sent this way (`qmqd send <command> '<json>'` does so by
 * hand); `commands` lists them. A response carries what the command line prints (`output` to
 * stdout, `errors` to stderr) and its exit code, so the command-line programs stay thin, plus
 * `data` for programs that want values (a port, a status) instead of text. A request that is not
 * valid JSON or lacks a command is answered with exit code 20 and id 0 when it has none.
 * Lines are capped at CONTROL_MAX_LINE_BYTES; a longer one closes that connection.
 */
import { CONTROL_MAX_LINE_BYTES } from '../constants.js'

export interface ControlRequest {
  readonly id: number
  readonly command: string
  readonly arguments: Readonly<Record<string, unknown>>
}

export interface ControlResponse {
  readonly id: number
  readonly exitCode: number
  readonly output: readonly string[]
  readonly errors: readonly string[]
  readonly data?: unknown
}

/** What a command handler returns; the server adds the id. */
export type CommandReply = Omit<ControlResponse, 'id'>

/** Exit code of a request the daemon could not even read (runmqsc's "error" code). */
export const MALFORMED_REQUEST_EXIT_CODE = 20

export class ControlProtocolError extends Error {
  override readonly name = 'ControlProtocolError'
}

export function encodeLine(message: ControlRequest | ControlResponse): string {
  return `${JSON.stringify(message)}\n`
}

/** Parses one request line; throws ControlProtocolError naming what is wrong. */
export function parseRequest(line: string): ControlRequest {
  const value = parseObject(line)
  const { id, command } = value
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) {
    throw new ControlProtocolError('request id must be a positive integer')
  }
  if (typeof command !== 'string' || command === '') {
    throw new ControlProtocolError('request command must be a non-empty string')
  }
  const parameters = value['arguments'] ?? {}
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) {
    throw new ControlProtocolError('request arguments must be an object')
  }
  return { id, command, arguments: parameters as Record<string, unknown> }
}

export function parseResponse(line: string): ControlResponse {
  const value = parseObject(line)
  const { id, exitCode, output, errors } = value
  const valid =
    typeof id === 'number' &&
    typeof exitCode === 'number' &&
    isStringArray(output) &&
    isStringArray(errors)
  if (!valid) throw new ControlProtocolError('response lacks id, exitCode, output or errors')
  return { id, exitCode, output, errors, data: value['data'] }
}

/** The id of a request line that failed to parse, if one can be read, so the reply can match. */
export function salvageRequestId(line: string): number {
  try {
    const id = (JSON.parse(line) as Record<string, unknown>)['id']
    return typeof id === 'number' && Number.isSafeInteger(id) ? id : 0
  } catch {
    return 0
  }
}

function parseObject(line: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    throw new ControlProtocolError('line is not valid JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ControlProtocolError('line is not a JSON object')
  }
  return value as Record<string, unknown>
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string')
}

/**
 * Splits a byte stream into lines. Bytes are kept as Buffers until a newline arrives, so a
 * multi-byte character split across chunks decodes whole.
 */
export class LineSplitter {
  private pending: Buffer[] = []
  private pendingBytes = 0

  constructor(private readonly maxLineBytes = CONTROL_MAX_LINE_BYTES) {}

  /** Complete lines in this chunk; throws ControlProtocolError once a line exceeds the cap. */
  push(chunk: Buffer): string[] {
    const lines: string[] = []
    let start = 0
    for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, start)) {
      this.append(chunk.subarray(start, newline))
      lines.push(Buffer.concat(this.pending, this.pendingBytes).toString('utf8'))
      this.pending = []
      this.pendingBytes = 0
      start = newline + 1
    }
    if (start < chunk.length) this.append(chunk.subarray(start))
    return lines
  }

  private append(part: Buffer): void {
    this.pendingBytes += part.length
    if (this.pendingBytes > this.maxLineBytes) {
      throw new ControlProtocolError(`line longer than ${this.maxLineBytes} bytes`)
    }
    if (part.length > 0) this.pending.push(part)
  }
}
