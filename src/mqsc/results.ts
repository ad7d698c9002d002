/** What running an MQSC script produces: per command its echo text, response and outcome. */

export interface MqscCommandResult {
  /** The logical command as entered: continuations joined, comments dropped, trimmed. */
  readonly command: string
  /** The response, e.g. ['AMQ8006I: Queue created.']; empty for END. */
  readonly lines: string[]
  /** A syntax error, a bad name, or a command the queue manager refused. */
  readonly failed: boolean
}

export interface MqscRunResult {
  readonly results: MqscCommandResult[]
  /** Commands read up to and including END (what follows END is not read), as runmqsc counts. */
  readonly commandsRead: number
  /** Failed commands: syntax errors and commands that could not be processed. */
  readonly commandsFailed: number
}
