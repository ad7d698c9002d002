/**
 * The syntax summaries printed after a syntax error (MQ's AMQ8427I "Valid syntax for the MQSC
 * command:" and AMQ8426I "Valid MQSC commands are:"). They are built from the keyword tables, so
 * they list exactly what the parser accepts, in MQ's alphabetical order, with numeric ranges
 * spelled out where MQ's own diagrams say only "integer".
 */
import {
  ALIAS_DISPLAY_KEYWORDS,
  QUEUE_DISPLAY_KEYWORDS,
  SETTABLE_BY_OBJECT_TYPE,
  QUEUE_MANAGER_DISPLAY_KEYWORDS,
  QUEUE_MANAGER_STATUS_DISPLAY_KEYWORDS,
  QUEUE_TYPES,
  SETTABLE_ATTRIBUTES,
  STATUS_DISPLAY_KEYWORDS,
  VERBS,
  type ObjectType,
  type ValueRule,
  type Verb,
} from './keywords.js'

/** Syntax lines wrap before this column, as a terminal of MQ's era would. */
const HELP_WIDTH_CHARACTERS = 80
const CONTINUATION_INDENT = '  '

/** The diagram of `verb`, narrowed to `objectType` when the command named a valid one. */
export function syntaxDiagram(verb: Verb, objectType: ObjectType | undefined): string[] {
  switch (verb) {
    case 'DEFINE':
      return objectType === 'QALIAS'
        ? wrap('DEFINE QALIAS( q_name )', [...settableOptions('QALIAS'), '[ NOREPLACE | REPLACE ]'])
        : wrap(
            'DEFINE QLOCAL( q_name )',
            [...settableOptions('QLOCAL'), '[ LIKE( q_name ) ]', '[ NOREPLACE | REPLACE ]'].sort(),
          )
    case 'ALTER':
      if (objectType === 'QMGR')
        return wrap('ALTER QMGR', ['[ DEADQ( q_name ) ]', '[ DESCR( string ) ]'])
      return objectType === 'QALIAS'
        ? wrap('ALTER QALIAS( q_name )', settableOptions('QALIAS'))
        : wrap('ALTER QLOCAL( q_name )', settableOptions('QLOCAL'))
    case 'DELETE':
      return objectType === 'QALIAS'
        ? ['DELETE QALIAS( q_name )']
        : wrap('DELETE QLOCAL( q_name )', ['[ NOPURGE | PURGE ]'])
    case 'CLEAR':
      return ['CLEAR QLOCAL( q_name )']
    case 'END':
      return ['END']
    case 'DISPLAY':
      return displayDiagram(objectType)
  }
}

/** The verbs, one per line, for an unknown command. */
export function verbList(): string[] {
  const verbs = new Set(VERBS.values())
  return [...verbs].sort().map((verb) => `    ${verb}`)
}

function displayDiagram(objectType: ObjectType | undefined): string[] {
  const flags = (keywords: readonly string[]): string[] => [
    '[ ALL ]',
    ...keywords.map((keyword) => `[ ${keyword} ]`),
  ]
  const diagrams: Record<ObjectType, string[]> = {
    QLOCAL: wrap(
      'DISPLAY QLOCAL( generic_q_name )',
      flags(QUEUE_DISPLAY_KEYWORDS.filter((keyword) => keyword !== 'TARGET')),
    ),
    QALIAS: wrap('DISPLAY QALIAS( generic_q_name )', flags(ALIAS_DISPLAY_KEYWORDS)),
    QUEUE: wrap('DISPLAY QUEUE( generic_q_name )', [
      `[ TYPE( ${QUEUE_TYPES.join(' | ')} ) ]`,
      ...flags(QUEUE_DISPLAY_KEYWORDS),
    ]),
    QSTATUS: wrap('DISPLAY QSTATUS( generic_q_name )', [
      '[ TYPE( QUEUE ) ]',
      ...flags(STATUS_DISPLAY_KEYWORDS),
    ]),
    QMGR: wrap('DISPLAY QMGR', flags(QUEUE_MANAGER_DISPLAY_KEYWORDS)),
    QMSTATUS: wrap('DISPLAY QMSTATUS', flags(['QMNAME', ...QUEUE_MANAGER_STATUS_DISPLAY_KEYWORDS])),
  }
  if (objectType !== undefined) return diagrams[objectType]
  return Object.values(diagrams).flatMap((diagram, index) =>
    index === 0 ? diagram : ['', ...diagram],
  )
}

function settableOptions(objectType: 'QLOCAL' | 'QALIAS'): string[] {
  return [...SETTABLE_ATTRIBUTES.values()]
    .filter((attribute) => SETTABLE_BY_OBJECT_TYPE[objectType].includes(attribute.keyword))
    .map((attribute) => `[ ${attribute.keyword}( ${describeRule(attribute.rule)} ) ]`)
}

function describeRule(rule: ValueRule): string {
  switch (rule.kind) {
    case 'integer':
      return `${rule.minimum}-${rule.maximum}`
    case 'choice':
      return rule.choices.join(' | ')
    case 'text':
      return 'string'
    case 'name':
      return 'q_name'
  }
}

function wrap(head: string, options: readonly string[]): string[] {
  const lines: string[] = []
  let line = head
  for (const option of options) {
    if (line.length + 1 + option.length > HELP_WIDTH_CHARACTERS) {
      lines.push(line)
      line = CONTINUATION_INDENT + option
    } else {
      line += ` ${option}`
    }
  }
  lines.push(line)
  return lines
}
