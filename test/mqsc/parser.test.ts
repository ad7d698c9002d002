/**
 * Goal: the parser accepts MQSC as MQ does (case, folding, quoting, separators, synonyms, any
 * parameter order) and rejects everything else with MQ's responses: AMQ8405I with the command
 * up to the culprit and the valid syntax, AMQ8426I for unknown verbs, AMQ8424E for bad names.
 * Method: parseCommand on single commands; outcomes compared in full.
 */
import { describe, expect, it } from 'vitest'
import { parseCommand } from '../../src/mqsc/command-parser.js'
import type { MqscCommand } from '../../src/mqsc/commands.js'
import { tokenize } from '../../src/mqsc/tokens.js'

function parsed(text: string): MqscCommand {
  const outcome = parseCommand(text)
  if (!outcome.ok) throw new Error(`expected ${text} to parse:\n${outcome.lines.join('\n')}`)
  return outcome.command
}

function rejected(text: string): string[] {
  const outcome = parseCommand(text)
  if (outcome.ok) throw new Error(`expected ${text} to be rejected`)
  return outcome.lines
}

const SYNTAX_ERROR = 'AMQ8405I: Syntax error detected at or near end of command segment below:-'

/** The AMQ8405I lines up to the help: the message and the command segment it points at. */
function syntaxErrorAt(text: string): string {
  const lines = rejected(text)
  expect(lines[0]).toBe(SYNTAX_ERROR)
  expect(lines[2]).toBe('')
  return lines[1]!
}

describe('tokens', () => {
  it('splits words, parentheses and quoted strings; blanks and commas separate', () => {
    const { tokens, errorEnd } = tokenize("ALTER QLOCAL ('Acc''t' ) ,TRIGDPTH ( 1)")
    expect(errorEnd).toBeUndefined()
    expect(tokens.map((token) => [token.kind, token.text])).toEqual([
      ['word', 'ALTER'],
      ['word', 'QLOCAL'],
      ['open', '('],
      ['string', "Acc't"],
      ['close', ')'],
      ['word', 'TRIGDPTH'],
      ['open', '('],
      ['word', '1'],
      ['close', ')'],
    ])
  })

  it('reports an unterminated string at the end of the command', () => {
    const text = "DESCR('it''s"
    expect(tokenize(text)).toMatchObject({ errorEnd: text.length })
  })
})

describe('accepted commands', () => {
  it('folds keywords and unquoted values to upper case and keeps quoted ones', () => {
    expect(parsed('define qlocal(app.q) descr(hello)')).toEqual({
      kind: 'define',
      objectType: 'QLOCAL',
      name: 'APP.Q',
      changes: { description: 'HELLO' },
      replace: false,
      like: undefined,
    })
    expect(parsed("Define QLocal('app.q') Descr('Hello, world')")).toMatchObject({
      name: 'app.q',
      changes: { description: 'Hello, world' },
    })
  })

  it("reads '' inside quotes as one quote and keeps blanks inside quotes", () => {
    expect(parsed("DEFINE QLOCAL(Q) DESCR(' it''s  ')")).toMatchObject({
      changes: { description: " it's" },
    })
  })

  it('accepts blanks and commas around parentheses and between parameters', () => {
    expect(parsed("ALTER QLOCAL ( 'ACCOUNT' ) ,MAXDEPTH ( 1),,PUT(DISABLED)")).toEqual({
      kind: 'alter',
      objectType: 'QLOCAL',
      name: 'ACCOUNT',
      changes: { maxDepth: 1, putEnabled: false },
    })
  })

  it('maps every DEFINE attribute, REPLACE and LIKE, in any order', () => {
    const text =
      'DEF QL(Q) REPLACE LIKE(MODEL) DESCR(D) MAXDEPTH(10) MAXMSGL(100) DEFPSIST(YES) ' +
      'DEFPRTY(9) PUT(DISABLED) GET(DISABLED) MSGDLVSQ(FIFO)'
    expect(parsed(text)).toEqual({
      kind: 'define',
      objectType: 'QLOCAL',
      name: 'Q',
      changes: {
        description: 'D',
        maxDepth: 10,
        maxMessageLength: 100,
        defaultPersistent: true,
        defaultPriority: 9,
        putEnabled: false,
        getEnabled: false,
        deliverySequence: 'FIFO',
      },
      replace: true,
      like: 'MODEL',
    })
    expect(parsed('DEFINE QLOCAL(Q) NOREPLACE DEFPSIST(NO) PUT(ENABLED)')).toMatchObject({
      replace: false,
      changes: { defaultPersistent: false, putEnabled: true },
    })
  })

  it('accepts the range limits and leading zeros', () => {
    expect(parsed('DEF QL(Q) MAXDEPTH(999999999) MAXMSGL(4194304) DEFPRTY(0)')).toMatchObject({
      changes: { maxDepth: 999_999_999, maxMessageLength: 4_194_304, defaultPriority: 0 },
    })
    expect(parsed('DEF QL(Q) MAXDEPTH(007)')).toMatchObject({ changes: { maxDepth: 7 } })
  })

  it('reads DELETE, CLEAR and END', () => {
    expect(parsed('DELETE QLOCAL(Q)')).toEqual({
      kind: 'delete',
      objectType: 'QLOCAL',
      name: 'Q',
      purge: false,
    })
    expect(parsed('delete ql(q) purge')).toEqual({
      kind: 'delete',
      objectType: 'QLOCAL',
      name: 'Q',
      purge: true,
    })
    expect(parsed('DELETE QL(Q) NOPURGE')).toEqual({
      kind: 'delete',
      objectType: 'QLOCAL',
      name: 'Q',
      purge: false,
    })
    expect(parsed('CLEAR QLOCAL(Q)')).toEqual({ kind: 'clear', name: 'Q' })
    for (const end of ['END', 'end', 'EXIT', 'quit']) expect(parsed(end)).toEqual({ kind: 'end' })
  })

  it('reads DISPLAY QLOCAL with its synonyms, showing QUEUE and TYPE unless asked for more', () => {
    const plain = {
      kind: 'displayQueue',
      pattern: 'Q',
      localQueuesWanted: true,
      aliasQueuesWanted: false,
      attributes: [],
    }
    for (const text of ['DISPLAY QLOCAL(Q)', 'DIS QL(Q)', 'dis ql(q)']) {
      expect(parsed(text)).toEqual(plain)
    }
    expect(parsed('DISPLAY QUEUE(Q)')).toEqual({ ...plain, aliasQueuesWanted: true })
    expect(parsed('DIS QA(Q) ALL')).toEqual({
      ...plain,
      localQueuesWanted: false,
      aliasQueuesWanted: true,
      attributes: ['DESCR', 'GET', 'PUT', 'TARGET'],
    })
    expect(parsed('DIS Q(*)')).toMatchObject({ pattern: '*' })
    expect(parsed('DIS QL(APP.*) MAXDEPTH CURDEPTH DESCR')).toMatchObject({
      pattern: 'APP.*',
      attributes: ['CURDEPTH', 'DESCR', 'MAXDEPTH'],
    })
    expect(parsed('DIS QL(Q) ALL')).toMatchObject({
      attributes: [
        'BOQNAME',
        'BOTHRESH',
        'CURDEPTH',
        'DEFPRTY',
        'DEFPSIST',
        'DESCR',
        'GET',
        'IPPROCS',
        'MAXDEPTH',
        'MAXMSGL',
        'MSGDLVSQ',
        'OPPROCS',
        'PUT',
        'USAGE',
      ],
    })
  })

  it('filters DISPLAY QUEUE by TYPE: other queue types match no queue here', () => {
    expect(parsed('DIS QUEUE(*) TYPE(QLOCAL)')).toMatchObject({ localQueuesWanted: true })
    expect(parsed('DIS Q(*) TYPE(ALL)')).toMatchObject({ localQueuesWanted: true })
    expect(parsed('DIS Q(*) TYPE(QALIAS)')).toMatchObject({ localQueuesWanted: false })
  })

  it('reads DISPLAY QSTATUS, always with CURDEPTH', () => {
    expect(parsed('DISPLAY QSTATUS(Q)')).toEqual({
      kind: 'displayStatus',
      pattern: 'Q',
      attributes: ['CURDEPTH'],
    })
    expect(parsed('DIS QS(Q*) TYPE(QUEUE) UNCOM IPPROCS')).toMatchObject({
      attributes: ['CURDEPTH', 'IPPROCS', 'UNCOM'],
    })
    expect(parsed('DIS QS(*) ALL')).toMatchObject({
      attributes: ['CURDEPTH', 'IPPROCS', 'OPPROCS', 'UNCOM'],
    })
  })

  it('reads DISPLAY QMGR', () => {
    expect(parsed('DIS QMGR')).toEqual({ kind: 'displayQueueManager' })
    expect(parsed('DISPLAY QMGR ALL QMNAME')).toEqual({ kind: 'displayQueueManager' })
  })
})

describe('syntax errors', () => {
  it('echoes the command up to the culprit, then the valid syntax of that command', () => {
    expect(rejected('DEFINE QLOCAL(Q1) FOO(BAR) MAXDEPTH(5)')).toEqual([
      SYNTAX_ERROR,
      'DEFINE QLOCAL(Q1) FOO',
      '',
      'AMQ8427I: Valid syntax for the MQSC command:',
      '',
      'DEFINE QLOCAL( q_name ) [ BOQNAME( q_name ) ] [ BOTHRESH( 0-999999999 ) ]',
      '  [ DEFPRTY( 0-9 ) ] [ DEFPSIST( NO | YES ) ] [ DESCR( string ) ]',
      '  [ GET( ENABLED | DISABLED ) ] [ LIKE( q_name ) ] [ MAXDEPTH( 0-999999999 ) ]',
      '  [ MAXMSGL( 0-4194304 ) ] [ MSGDLVSQ( PRIORITY | FIFO ) ]',
      '  [ NOREPLACE | REPLACE ] [ PUT( ENABLED | DISABLED ) ]',
    ])
  })

  it('lists the verbs for an unknown command', () => {
    expect(rejected('FROB QLOCAL(Q)')).toEqual([
      SYNTAX_ERROR,
      'FROB',
      '',
      'AMQ8426I: Valid MQSC commands are:',
      '',
      '    ALTER',
      '    CLEAR',
      '    DEFINE',
      '    DELETE',
      '    DISPLAY',
      '    END',
    ])
    // MQ's synonyms are whole words, not prefixes; DELETE has none.
    for (const text of ['DEFI QL(Q)', 'DEL QL(Q)', '(Q)', ",,, 'DEFINE'"]) {
      expect(rejected(text)[3]).toBe('AMQ8426I: Valid MQSC commands are:')
    }
  })

  it('rejects values out of range or of the wrong kind naming the attribute and its range', () => {
    for (const [text, detail] of [
      [
        'DEFINE QLOCAL(Q) MAXDEPTH(-1)',
        'MAXDEPTH(-1) is not valid: MAXDEPTH takes an integer from 0 to 999999999.',
      ],
      [
        'DEF QL(Q) MAXDEPTH(1000000000) PUT(ENABLED)',
        'MAXDEPTH(1000000000) is not valid: MAXDEPTH takes an integer from 0 to 999999999.',
      ],
      [
        'DEF QL(Q) MAXDEPTH(abc)',
        'MAXDEPTH(ABC) is not valid: MAXDEPTH takes an integer from 0 to 999999999.',
      ],
      [
        'DEF QL(Q) MAXDEPTH(1.5)',
        'MAXDEPTH(1.5) is not valid: MAXDEPTH takes an integer from 0 to 999999999.',
      ],
      [
        'DEF QL(Q) MAXMSGL(999999999999)',
        'MAXMSGL(999999999999) is not valid: MAXMSGL takes an integer from 0 to 4194304.',
      ],
      ['DEF QL(Q) DEFPRTY(10)', 'DEFPRTY(10) is not valid: DEFPRTY takes an integer from 0 to 9.'],
      ['DEF QL(Q) DEFPSIST(MAYBE)', 'DEFPSIST(MAYBE) is not valid: DEFPSIST takes NO or YES.'],
      ['ALTER QL(Q) PUT(OFF)', 'PUT(OFF) is not valid: PUT takes ENABLED or DISABLED.'],
      ['ALTER QL(Q) GET(YES)', 'GET(YES) is not valid: GET takes ENABLED or DISABLED.'],
      [
        'ALTER QL(Q) MSGDLVSQ(LIFO)',
        'MSGDLVSQ(LIFO) is not valid: MSGDLVSQ takes PRIORITY or FIFO.',
      ],
      [
        `ALTER QL(Q) DESCR('${'x'.repeat(65)}')`,
        `DESCR(${'x'.repeat(65)}) is not valid: DESCR takes text of at most 64 bytes (UTF-8).`,
      ],
      ["ALTER QL(Q) DESCR('é€')", undefined],
    ] as const) {
      const outcome = parseCommand(text)
      if (detail === undefined) {
        expect(outcome.ok).toBe(true)
        continue
      }
      expect(outcome.ok ? [] : outcome.lines).toEqual(['AMQ8425E: Attribute value error.', detail])
    }
  })

  it('counts DESCR in bytes of UTF-8, as the engine does', () => {
    expect(parseCommand(`ALTER QL(Q) DESCR('${'€'.repeat(21)}')`).ok).toBe(true)
    const outcome = parseCommand(`ALTER QL(Q) DESCR('${'€'.repeat(22)}')`)
    expect(outcome.ok ? '' : outcome.lines.join('\n')).toContain('DESCR takes text of at most 64')
  })

  it('rejects a missing value, a value on a flag and empty parentheses', () => {
    expect(syntaxErrorAt('DEF QL(Q) MAXDEPTH')).toBe('DEF QL(Q) MAXDEPTH')
    expect(syntaxErrorAt('DEF QL(Q) REPLACE(YES)')).toBe('DEF QL(Q) REPLACE(YES)')
    expect(syntaxErrorAt('DIS QL(Q) CURDEPTH(1)')).toBe('DIS QL(Q) CURDEPTH(1)')
    expect(syntaxErrorAt('DEF QL(Q) DESCR()')).toBe('DEF QL(Q) DESCR()')
    expect(syntaxErrorAt('DEF QL( )')).toBe('DEF QL( )')
  })

  it('rejects repeated parameters, also a keyword with its NO form', () => {
    expect(syntaxErrorAt('DEF QL(Q) MAXDEPTH(1) MAXDEPTH(2)')).toBe(
      'DEF QL(Q) MAXDEPTH(1) MAXDEPTH',
    )
    expect(syntaxErrorAt('DEF QL(Q) REPLACE NOREPLACE')).toBe('DEF QL(Q) REPLACE NOREPLACE')
    expect(syntaxErrorAt('DELETE QL(Q) PURGE NOPURGE')).toBe('DELETE QL(Q) PURGE NOPURGE')
    expect(syntaxErrorAt('DIS QL(Q) ALL ALL')).toBe('DIS QL(Q) ALL ALL')
  })

  it('rejects malformed structure where it happens', () => {
    expect(syntaxErrorAt("DEF QL(Q) DESCR('open")).toBe("DEF QL(Q) DESCR('open")
    expect(syntaxErrorAt('DEF QL(Q')).toBe('DEF QL(Q')
    expect(syntaxErrorAt('DEF QL(Q R)')).toBe('DEF QL(Q R')
    expect(syntaxErrorAt('DEF QL(Q) )')).toBe('DEF QL(Q) )')
    expect(syntaxErrorAt('DEF QL((Q))')).toBe('DEF QL((')
    expect(syntaxErrorAt("DEF QL(Q) 'x'")).toBe("DEF QL(Q) 'x'")
    expect(syntaxErrorAt('DIS QL(A); DIS QL(B)')).toBe('DIS QL(A);')
    expect(syntaxErrorAt('DEFINE(X) QL(Q)')).toBe('DEFINE(X)')
  })

  it('rejects a missing or wrong object type and a missing name', () => {
    expect(syntaxErrorAt('DEFINE')).toBe('DEFINE')
    expect(syntaxErrorAt('DEFINE QLOCAL')).toBe('DEFINE QLOCAL')
    expect(syntaxErrorAt('DEFINE CHANNEL(C)')).toBe('DEFINE CHANNEL')
    expect(syntaxErrorAt('DELETE QUEUE(Q)')).toBe('DELETE QUEUE')
    expect(syntaxErrorAt('DEFINE MAXDEPTH(5) QLOCAL(Q)')).toBe('DEFINE MAXDEPTH')
    expect(syntaxErrorAt('DIS QMGR(QM1)')).toBe('DIS QMGR(QM1)')
    expect(syntaxErrorAt('END QLOCAL(Q)')).toBe('END QLOCAL')
  })

  it('rejects parameters that belong to another command', () => {
    expect(syntaxErrorAt('ALTER QL(Q) REPLACE')).toBe('ALTER QL(Q) REPLACE')
    expect(syntaxErrorAt('ALTER QL(Q) LIKE(P)')).toBe('ALTER QL(Q) LIKE')
    expect(syntaxErrorAt('DELETE QL(Q) MAXDEPTH(1)')).toBe('DELETE QL(Q) MAXDEPTH')
    expect(syntaxErrorAt('CLEAR QL(Q) PURGE')).toBe('CLEAR QL(Q) PURGE')
    expect(syntaxErrorAt('DIS QL(Q) TYPE(QLOCAL)')).toBe('DIS QL(Q) TYPE')
    expect(syntaxErrorAt('DIS QL(Q) UNCOM')).toBe('DIS QL(Q) UNCOM')
    expect(syntaxErrorAt('DIS QS(Q) MAXDEPTH')).toBe('DIS QS(Q) MAXDEPTH')
    expect(syntaxErrorAt('DIS QS(Q) TYPE(HANDLE)')).toBe('DIS QS(Q) TYPE(HANDLE)')
    expect(syntaxErrorAt('DIS Q(Q) TYPE(QBOGUS)')).toBe('DIS Q(Q) TYPE(QBOGUS)')
    expect(syntaxErrorAt('DIS QMGR MAXDEPTH')).toBe('DIS QMGR MAXDEPTH')
  })

  it('narrows the help to the object type named, or shows every DISPLAY form', () => {
    expect(rejected('DIS QS(Q) FOO').slice(5)).toEqual([
      'DISPLAY QSTATUS( generic_q_name ) [ TYPE( QUEUE ) ] [ ALL ] [ CURDEPTH ]',
      '  [ IPPROCS ] [ OPPROCS ] [ UNCOM ]',
    ])
    const help = rejected('DIS FOO(Q)').slice(5)
    expect(help.filter((line) => line.startsWith('DISPLAY '))).toEqual([
      'DISPLAY QLOCAL( generic_q_name ) [ ALL ] [ BOQNAME ] [ BOTHRESH ] [ CURDEPTH ]',
      'DISPLAY QALIAS( generic_q_name ) [ ALL ] [ DESCR ] [ GET ] [ PUT ] [ TARGET ]',
      'DISPLAY QUEUE( generic_q_name )',
      'DISPLAY QSTATUS( generic_q_name ) [ TYPE( QUEUE ) ] [ ALL ] [ CURDEPTH ]',
      'DISPLAY QMGR [ ALL ] [ DEADQ ] [ DESCR ] [ MAXMSGL ] [ MAXPRTY ] [ MAXUMSGS ]',
      'DISPLAY QMSTATUS [ ALL ] [ QMNAME ] [ STATUS ] [ CURRLOG ] [ RECLOG ]',
    ])
    expect(rejected('DELETE QL(Q) X').slice(5)).toEqual([
      'DELETE QLOCAL( q_name ) [ NOPURGE | PURGE ]',
    ])
    expect(rejected('CLEAR QL(Q) X').slice(5)).toEqual(['CLEAR QLOCAL( q_name )'])
    expect(rejected('END X').slice(5)).toEqual(['END'])
  })

  it('checks syntax before names', () => {
    expect(rejected("DEFINE QLOCAL('a b') FOO")[0]).toBe(SYNTAX_ERROR)
  })
})

describe('name errors', () => {
  const NAME_ERROR = ['AMQ8424E: Error detected in a name keyword.']

  it('rejects names MQ does not allow, without calling it a syntax error', () => {
    for (const text of [
      "DEFINE QLOCAL('')",
      "DEFINE QLOCAL('a b')",
      `DEFINE QLOCAL(${'Q'.repeat(49)})`,
      'DEFINE QLOCAL(Q*)',
      'ALTER QLOCAL(Q-1)',
      'DELETE QLOCAL(*)',
      'CLEAR QLOCAL(A#B)',
      "DEFINE QLOCAL(Q) LIKE('bad name')",
      'DIS QL(A*B)',
      'DIS QL(A**)',
      `DIS QS(${'Q'.repeat(48)}*)`,
    ]) {
      expect(rejected(text), text).toEqual(NAME_ERROR)
    }
  })

  it('accepts every character MQ allows in a name, and 48 of them', () => {
    expect(parsed('DEFINE QLOCAL(A.b/C_d%9)')).toMatchObject({ name: 'A.B/C_D%9' })
    expect(parsed(`DEFINE QLOCAL(${'Q'.repeat(48)})`)).toMatchObject({ name: 'Q'.repeat(48) })
    expect(parsed(`DIS QL(${'Q'.repeat(47)}*)`)).toMatchObject({ pattern: `${'Q'.repeat(47)}*` })
  })
})
