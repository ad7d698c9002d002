/**
 * One logical MQSC command to a parsed command, or to the response that rejects it. Follows
 * MQSC's rules: the verb comes first and the object type second with the object name in
 * parentheses; the other parameters in any order, each at most once (REPLACE and NOREPLACE,
 * PURGE and NOPURGE count as one); keywords in any case.
 *
 * The whole syntax is checked before names, as MQ does: a syntax error prints AMQ8405I with the
 * command up to the offending parameter and the valid syntax; a well-formed command with an
 * invalid name (bad characters, too long, '' or a generic name where MQ allows none) prints
 * AMQ8424E and a valid keyword with an invalid value (MAXDEPTH(-1), DEFPRTY(10)) prints AMQ8425E
 * naming the attribute and its allowed values; neither counts as a syntax error.
 */
import { MAX_QUEUE_NAME_BYTES } from '../constants.js'
import { isValidQueueName } from '../queue/queue-attributes.js'
import type { QueueChanges } from '../queue/engine.js'
import type { MqscCommand, ParseOutcome } from './commands.js'
import {
  OBJECT_TYPES,
  OBJECT_TYPES_BY_VERB,
  QUEUE_DISPLAY_KEYWORDS,
  QUEUE_MANAGER_DISPLAY_KEYWORDS,
  QUEUE_MANAGER_STATUS_DISPLAY_KEYWORDS,
  QUEUE_MANAGER_SETTABLE,
  SETTABLE_BY_OBJECT_TYPE,
  QUEUE_TYPES,
  SETTABLE_ATTRIBUTES,
  STATUS_DISPLAY_KEYWORDS,
  VERBS,
  allowedValues,
  isValidValue,
  ALIAS_DISPLAY_KEYWORDS,
  type ObjectType,
  type QueueDisplayKeyword,
  type SettableAttribute,
  type Verb,
} from './keywords.js'
import { Message } from './messages.js'
import { parameterList, type Parameter } from './parameters.js'
import { syntaxDiagram, verbList } from './syntax-help.js'

/**
 * Thrown inside the parser to abandon a command with its response; parseCommand turns it into
 * a failed outcome, so nothing escapes. It unwinds nested checks that would otherwise all
 * return unions.
 */
class Rejection {
  constructor(readonly lines: string[]) {}
}

interface Context {
  readonly text: string
  readonly verb: Verb
  /** The object type when it is one the verb takes; it narrows the syntax help. */
  readonly objectType: ObjectType | undefined
}

/** Keywords that exclude each other share the first one's slot. */
const EXCLUSIVE_KEYWORDS: ReadonlyMap<string, string> = new Map([
  ['NOREPLACE', 'REPLACE'],
  ['NOPURGE', 'PURGE'],
])

export function parseCommand(text: string): ParseOutcome {
  try {
    return { ok: true, command: parse(text) }
  } catch (error) {
    if (error instanceof Rejection) return { ok: false, lines: error.lines }
    throw error
  }
}

function parse(text: string): MqscCommand {
  const { parameters, errorEnd } = parameterList(text)
  const [first, second, ...rest] = parameters
  const verb = first === undefined ? undefined : VERBS.get(first.keyword)
  if (first === undefined || verb === undefined) {
    throw unknownCommand(text, first?.keywordEnd ?? errorEnd ?? text.length)
  }
  const objectType = second === undefined ? undefined : OBJECT_TYPES.get(second.keyword)
  const taken = objectType !== undefined && OBJECT_TYPES_BY_VERB[verb].includes(objectType)
  const context: Context = { text, verb, objectType: taken ? objectType : undefined }
  if (first.value !== undefined) syntaxError(context, first.end)
  if (errorEnd !== undefined) syntaxError(context, errorEnd)
  if (verb === 'END') {
    if (second !== undefined) syntaxError(context, second.keywordEnd)
    return { kind: 'end' }
  }
  if (second === undefined) syntaxError(context, text.length)
  if (context.objectType === undefined) syntaxError(context, second.keywordEnd)
  if (context.objectType === 'QMGR') {
    if (second.value !== undefined) syntaxError(context, second.end)
    if (verb === 'ALTER') return alterQueueManagerCommand(context, rest)
    flagsOnly(context, rest, ['ALL', ...QUEUE_MANAGER_DISPLAY_KEYWORDS])
    return { kind: 'displayQueueManager' }
  }
  if (context.objectType === 'QMSTATUS') {
    if (second.value !== undefined) syntaxError(context, second.end)
    const keywords = QUEUE_MANAGER_STATUS_DISPLAY_KEYWORDS
    const requested = flagsOnly(context, rest, ['ALL', 'QMNAME', ...keywords])
    // As MQ: STATUS always, the log attributes on request.
    const attributes = keywords.filter(
      (keyword) => keyword === 'STATUS' || requested.has('ALL') || requested.has(keyword),
    )
    return { kind: 'displayQueueManagerStatus', attributes }
  }
  if (second.value === undefined) syntaxError(context, second.end)
  return queueCommand(context, second.value, rest)
}

function queueCommand(context: Context, name: string, rest: readonly Parameter[]): MqscCommand {
  const objectType = context.objectType === 'QALIAS' ? 'QALIAS' : 'QLOCAL'
  switch (context.verb) {
    case 'DEFINE':
      return defineCommand(context, name, rest)
    case 'ALTER': {
      const changes = settableChanges(context, rest)
      return { kind: 'alter', objectType, name: validName(name), changes }
    }
    case 'DELETE': {
      const allowed = objectType === 'QALIAS' ? [] : ['PURGE', 'NOPURGE']
      const purge = flagsOnly(context, rest, allowed).has('PURGE')
      return { kind: 'delete', objectType, name: validName(name), purge }
    }
    case 'CLEAR':
      flagsOnly(context, rest, [])
      return { kind: 'clear', name: validName(name) }
    default:
      return context.objectType === 'QSTATUS'
        ? displayStatusCommand(context, name, rest)
        : displayQueueCommand(context, name, rest)
  }
}

function defineCommand(context: Context, name: string, rest: readonly Parameter[]): MqscCommand {
  let replace = false
  let like: string | undefined
  const objectType = context.objectType === 'QALIAS' ? 'QALIAS' : 'QLOCAL'
  const changes = settableChanges(context, rest, (parameter) => {
    if (parameter.keyword === 'LIKE' && objectType === 'QLOCAL') {
      like = requiredValue(context, parameter)
    } else if (parameter.keyword === 'REPLACE' || parameter.keyword === 'NOREPLACE') {
      flag(context, parameter)
      replace = parameter.keyword === 'REPLACE'
    } else {
      return false
    }
    return true
  })
  // An alias needs its target (MQ: AMQ8405I as well).
  if (objectType === 'QALIAS' && changes.targetQueue === undefined) {
    syntaxError(context, context.text.length)
  }
  validName(name)
  if (like !== undefined) validName(like)
  return { kind: 'define', objectType, name, changes, replace, like }
}

function displayQueueCommand(
  context: Context,
  pattern: string,
  rest: readonly Parameter[],
): MqscCommand {
  let queueType = 'ALL'
  const keywords = displayKeywordsOf(context.objectType)
  const requested = visitParameters(context, rest, (parameter) => {
    // TYPE filters DISPLAY QUEUE; DISPLAY QLOCAL has its type in its name.
    if (parameter.keyword !== 'TYPE' || context.objectType !== 'QUEUE') {
      return displayFlag(context, parameter, keywords)
    }
    queueType = requiredValue(context, parameter)
    if (!(QUEUE_TYPES as readonly string[]).includes(queueType)) {
      syntaxError(context, parameter.end)
    }
    return true
  })
  return {
    kind: 'displayQueue',
    pattern: validPattern(pattern),
    localQueuesWanted:
      context.objectType === 'QLOCAL' ||
      (context.objectType === 'QUEUE' && (queueType === 'ALL' || queueType === 'QLOCAL')),
    aliasQueuesWanted:
      context.objectType === 'QALIAS' ||
      (context.objectType === 'QUEUE' && (queueType === 'ALL' || queueType === 'QALIAS')),
    attributes: keywords.filter((keyword) => requested.has('ALL') || requested.has(keyword)),
  }
}

/** The attributes DISPLAY QLOCAL, QALIAS and QUEUE take. */
function displayKeywordsOf(objectType: ObjectType | undefined): readonly QueueDisplayKeyword[] {
  if (objectType === 'QALIAS') return ALIAS_DISPLAY_KEYWORDS
  if (objectType === 'QLOCAL') return QUEUE_DISPLAY_KEYWORDS.filter((key) => key !== 'TARGET')
  return QUEUE_DISPLAY_KEYWORDS
}

function displayStatusCommand(
  context: Context,
  pattern: string,
  rest: readonly Parameter[],
): MqscCommand {
  const requested = visitParameters(context, rest, (parameter) => {
    if (parameter.keyword !== 'TYPE') {
      return displayFlag(context, parameter, STATUS_DISPLAY_KEYWORDS)
    }
    // TYPE(HANDLE), the per-connection view, is not available: no handle details are kept.
    if (requiredValue(context, parameter) !== 'QUEUE') syntaxError(context, parameter.end)
    return true
  })
  return {
    kind: 'displayStatus',
    pattern: validPattern(pattern),
    // MQ always shows CURDEPTH for TYPE(QUEUE); the others on request.
    attributes: STATUS_DISPLAY_KEYWORDS.filter(
      (keyword) => keyword === 'CURDEPTH' || requested.has('ALL') || requested.has(keyword),
    ),
  }
}

function displayFlag(context: Context, parameter: Parameter, keywords: readonly string[]): boolean {
  if (parameter.keyword !== 'ALL' && !keywords.includes(parameter.keyword)) return false
  flag(context, parameter)
  return true
}

/** DEFINE/ALTER attributes as one change set; `other` may claim the remaining keywords. */
function settableChanges(
  context: Context,
  parameters: readonly Parameter[],
  other: (parameter: Parameter) => boolean = () => false,
): QueueChanges {
  let changes: QueueChanges = {}
  const objectType = context.objectType === 'QALIAS' ? 'QALIAS' : 'QLOCAL'
  const allowed = SETTABLE_BY_OBJECT_TYPE[objectType]
  visitParameters(context, parameters, (parameter) => {
    const attribute = SETTABLE_ATTRIBUTES.get(parameter.keyword)
    if (attribute === undefined || !allowed.includes(parameter.keyword)) return other(parameter)
    const value = requiredValue(context, parameter)
    if (!isValidValue(attribute.rule, value)) throw attributeValueError(attribute, value)
    changes = { ...changes, ...attribute.change(value) }
    return true
  })
  return changes
}

/** ALTER QMGR DEADQ(q) DESCR(text): a blank DEADQ clears it, as in MQ. */
function alterQueueManagerCommand(context: Context, rest: readonly Parameter[]): MqscCommand {
  const changes: { deadLetterQueue?: string; description?: string } = {}
  visitParameters(context, rest, (parameter) => {
    const rule = QUEUE_MANAGER_SETTABLE.get(parameter.keyword)
    if (rule === undefined) return false
    const value = requiredValue(context, parameter)
    if (!isValidValue(rule, value)) {
      throw new Rejection([
        Message.ATTRIBUTE_VALUE_ERROR,
        `${parameter.keyword}(${value}) is not valid: ${parameter.keyword} takes ` +
          `${allowedValues(rule)}.`,
      ])
    }
    if (parameter.keyword === 'DEADQ') changes.deadLetterQueue = value.trim()
    else changes.description = value.trimEnd()
    return true
  })
  return { kind: 'alterQueueManager', changes }
}

/** Parameters that are all keywords without values, from `allowed`; returns those present. */
function flagsOnly(
  context: Context,
  parameters: readonly Parameter[],
  allowed: readonly string[],
): ReadonlySet<string> {
  return visitParameters(context, parameters, (parameter) => {
    if (!allowed.includes(parameter.keyword)) return false
    flag(context, parameter)
    return true
  })
}

/**
 * Calls `visit` for each parameter after rejecting repeats; `visit` returns false for a keyword
 * it does not know. Returns the keywords seen.
 */
function visitParameters(
  context: Context,
  parameters: readonly Parameter[],
  visit: (parameter: Parameter) => boolean,
): ReadonlySet<string> {
  const seen = new Set<string>()
  for (const parameter of parameters) {
    const slot = EXCLUSIVE_KEYWORDS.get(parameter.keyword) ?? parameter.keyword
    if (seen.has(slot)) syntaxError(context, parameter.keywordEnd)
    seen.add(slot)
    if (!visit(parameter)) syntaxError(context, parameter.keywordEnd)
  }
  return new Set(parameters.map((parameter) => parameter.keyword))
}

function flag(context: Context, parameter: Parameter): void {
  if (parameter.value !== undefined) syntaxError(context, parameter.end)
}

function requiredValue(context: Context, parameter: Parameter): string {
  if (parameter.value === undefined) syntaxError(context, parameter.end)
  return parameter.value
}

function validName(name: string): string {
  if (!isValidQueueName(name)) throw new Rejection([Message.NAME_ERROR])
  return name
}

/** A queue name, a name followed by one `*` (MQ's generic names), or `*` alone. */
function validPattern(pattern: string): string {
  if (pattern === '*') return pattern
  const prefix = pattern.endsWith('*') ? pattern.slice(0, -1) : pattern
  if (pattern.length > MAX_QUEUE_NAME_BYTES || !isValidQueueName(prefix)) {
    throw new Rejection([Message.NAME_ERROR])
  }
  return pattern
}

/**
 * A well-formed parameter whose value is out of range or of the wrong kind: MQ's AMQ8425E, then
 * the attribute, the value given and what it allows, rather than the command's whole syntax.
 */
function attributeValueError(attribute: SettableAttribute, value: string): Rejection {
  return new Rejection([
    Message.ATTRIBUTE_VALUE_ERROR,
    `${attribute.keyword}(${value}) is not valid: ${attribute.keyword} takes ` +
      `${allowedValues(attribute.rule)}.`,
  ])
}

function syntaxError(context: Context, end: number): never {
  throw new Rejection([
    Message.SYNTAX_ERROR,
    context.text.slice(0, end),
    '',
    Message.VALID_SYNTAX,
    '',
    ...syntaxDiagram(context.verb, context.objectType),
  ])
}

function unknownCommand(text: string, end: number): Rejection {
  return new Rejection([
    Message.SYNTAX_ERROR,
    text.slice(0, end),
    '',
    Message.VALID_COMMANDS,
    '',
    ...verbList(),
  ])
}
