/**
 * The runmqsc messages QuorumMQ prints. Message ids are IBM MQ's (AMQ8006I and so on), so an MQ
 * administrator and existing scripts that look for an id recognise the outcome; the texts are
 * our own neutral wording of the same meaning.
 */

export const Message = {
  QUEUE_CREATED: 'AMQ8006I: Queue created.',
  QUEUE_DELETED: 'AMQ8007I: Queue deleted.',
  QUEUE_CHANGED: 'AMQ8008I: Queue changed.',
  QUEUE_CLEARED: 'AMQ8022I: Queue cleared.',
  QUEUE_MANAGER_CHANGED: 'AMQ8005I: Queue manager changed.',
  QUEUE_MANAGER_DETAILS: 'AMQ8408I: Display Queue Manager details.',
  QUEUE_DETAILS: 'AMQ8409I: Display Queue details.',
  QUEUE_STATUS_DETAILS: 'AMQ8450I: Display queue status details.',
  QUEUE_MANAGER_STATUS_DETAILS: 'AMQ8705I: Display Queue Manager Status Details.',
  QUEUE_NOT_EMPTY: 'AMQ8143E: Queue not empty.',
  QUEUE_MANAGER_NOT_AVAILABLE: 'AMQ8146E: Queue manager not available.',
  OBJECT_IN_USE: 'AMQ8148E: Object in use.',
  OBJECT_ALREADY_EXISTS: 'AMQ8150E: Object already exists.',
  QUEUE_MANAGER_QUIESCING: 'AMQ8156E: Queue manager quiescing.',
  NAME_ERROR: 'AMQ8424E: Error detected in a name keyword.',
  ATTRIBUTE_VALUE_ERROR: 'AMQ8425E: Attribute value error.',
  SYNTAX_ERROR: 'AMQ8405I: Syntax error detected at or near end of command segment below:-',
  VALID_COMMANDS: 'AMQ8426I: Valid MQSC commands are:',
  VALID_SYNTAX: 'AMQ8427I: Valid syntax for the MQSC command:',
} as const

export function objectNotFound(name: string): string {
  return `AMQ8147E: Object ${name} not found.`
}

/** MQ's catch-all: the reason code in hexadecimal, as runmqsc prints it (2102 is 836). */
export function unexpectedError(reason: number): string {
  return `AMQ8101S: Error (${reason.toString(16).toUpperCase()}) has occurred.`
}

/**
 * Whether a failed command's response is a syntax error. The summary counts syntax errors apart
 * from commands that could not be processed; the response itself says which, so a transcript
 * can be rebuilt from results that crossed the wire.
 */
export function isSyntaxErrorResponse(lines: readonly string[]): boolean {
  return lines[0] === Message.SYNTAX_ERROR
}
