/**
 * How daemon commands fail: a CommandFailure names a message of src/cli/messages.ts and its
 * inserts; the control server turns it into the reply's error line and exit code. Anything else
 * thrown is unexpected and answered with AMQ6119E and its text.
 */
import { exitCodeOf, formatMessage, type MessageInserts, type MessageKey } from '../amq-messages.js'
import type { CommandReply } from './control-protocol.js'

export class CommandFailure extends Error {
  override readonly name = 'CommandFailure'
  constructor(
    readonly key: MessageKey,
    readonly inserts: MessageInserts = {},
    options?: { cause?: unknown },
  ) {
    super(formatMessage(key, inserts), options)
  }

  get exitCode(): number {
    return exitCodeOf(this.key)
  }
}

export function isCommandFailure(value: unknown): value is CommandFailure {
  return value instanceof CommandFailure
}

/** Collects a command's printed lines; `done` and `failed` make the reply. */
export class ReplyBuilder {
  private readonly output: string[] = []

  print(key: MessageKey, inserts: MessageInserts = {}): this {
    this.output.push(formatMessage(key, inserts))
    return this
  }

  line(text: string): this {
    this.output.push(text)
    return this
  }

  done(data?: unknown): CommandReply {
    return { exitCode: 0, output: this.output, errors: [], data }
  }

  /** A failure after some output: what was printed stays, the error follows it. */
  failed(failure: CommandFailure): CommandReply {
    return { exitCode: failure.exitCode, output: this.output, errors: [failure.message] }
  }
}

export function failureReply(error: unknown): CommandReply {
  if (isCommandFailure(error)) {
    return { exitCode: error.exitCode, output: [], errors: [error.message] }
  }
  const reason = error instanceof Error ? error.message : String(error)
  const failure = new CommandFailure('UNEXPECTED', { reason })
  return { exitCode: failure.exitCode, output: [], errors: [failure.message] }
}
