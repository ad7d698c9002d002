/**
 * Goal: no input makes the interpreter throw: any text yields results (failed commands at worst)
 * and a transcript; and a DEFINE of any valid attribute set, written as an admin would (quotes
 * doubled, continued over lines), reaches the engine exactly.
 * Method: fast-check over arbitrary strings, over fragment soup (deep into the parser), over
 * commands shaped like real ones (deep into the engine), and over valid attribute sets.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseCommand } from '../../src/mqsc/command-parser.js'
import { formatTranscript, type MqscRunResult } from '../../src/mqsc/index.js'
import { logicalCommands } from '../../src/mqsc/script.js'
import { mqscFixture, QUEUE_MANAGER } from './fixture.js'

/** Pieces of MQSC, glued together at random: mostly syntax errors, from every angle. */
const FRAGMENTS = [
  ...'DEFINE DEF ALTER DELETE CLEAR DISPLAY DIS END QLOCAL QL QUEUE QSTATUS QS QMGR'.split(' '),
  ...'Q1 q2 * Q* MAXDEPTH MAXMSGL DEFPSIST DEFPRTY DESCR PUT GET MSGDLVSQ YES NO'.split(' '),
  ...'ENABLED DISABLED FIFO PRIORITY REPLACE NOREPLACE LIKE PURGE NOPURGE ALL TYPE'.split(' '),
  ...'CURDEPTH UNCOM 0 9 10 -1 999999999'.split(' '),
  ...['(', ')', "'", "''", ' ', ',', '+', '-', ';', '\n', '\r\n'],
]

const soup = fc
  .array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 6, unit: 'grapheme' })), {
    maxLength: 60,
  })
  .map((parts) => parts.join(''))

/**
 * Commands shaped like real ones, mostly valid, some with a bad name, value or keyword: they
 * reach the engine, defining, altering, clearing, displaying and deleting queues in random
 * order, so every refusal (exists, not found, not empty) comes up too.
 */
const SETTABLE = 'MAXDEPTH(5) MAXMSGL(100) DEFPSIST(YES) DEFPRTY(9) PUT(DISABLED) MSGDLVSQ(FIFO)'
const VERB_FORMS: ReadonlyArray<readonly [string, string]> = [
  ['DEFINE QLOCAL', `${SETTABLE} REPLACE LIKE(Q1) LIKE(Q2)`],
  ['DEF QL', `${SETTABLE} NOREPLACE DESCR('it''s')`],
  ['ALTER QLOCAL', SETTABLE],
  ['DELETE QLOCAL', 'PURGE NOPURGE'],
  ['CLEAR QLOCAL', ''],
  ['DIS QL', 'ALL CURDEPTH IPPROCS USAGE DESCR'],
  ['DISPLAY QUEUE', 'TYPE(QLOCAL) TYPE(QALIAS) ALL MAXDEPTH'],
  ['DIS QS', 'ALL UNCOM OPPROCS TYPE(QUEUE)'],
  ['DIS QMGR', 'ALL QMNAME'],
]
const BAD_PARAMETERS = ['MAXDEPTH(-1)', 'DEFPRTY(10)', 'DEFPSIST(MAYBE)', 'FROB', 'DESCR()']
const command = fc
  .tuple(
    fc.constantFrom(...VERB_FORMS),
    fc.constantFrom(...['(Q1)', '(Q2)', "('q3')", '(Q*)', '(*)', "('')", '(A B)', '']),
    fc.nat(),
    fc.oneof(
      { arbitrary: fc.constant([]), weight: 4 },
      { arbitrary: fc.array(fc.constantFrom(...BAD_PARAMETERS), { maxLength: 1 }), weight: 1 },
    ),
    fc.constantFrom(' ', ',', ' +\n  ', '-\n'),
  )
  .map(([[head, pool], name, seed, bad, separator]) => {
    const options = pool === '' ? [] : pool.split(' ')
    // A seed-chosen subset keeps each keyword at most once, so most commands parse.
    const chosen = options.filter((_option, index) => (seed >> index) % 3 === 0)
    const object = head.endsWith('QMGR') ? head : `${head}${name}`
    return [object, ...chosen, ...bad].join(separator)
  })
const commands = fc.array(command, { maxLength: 12 }).map((lines) => lines.join('\n'))

const scripts = fc.oneof(soup, commands)

const KNOWN_RESPONSE_IDS =
  '8006I 8007I 8008I 8022I 8101S 8143E 8146E 8147E 8148E 8150E 8156E 8405I 8408I 8409I 8424E 8425E 8450I'
const KNOWN_RESPONSES = new RegExp(`^AMQ(${KNOWN_RESPONSE_IDS.replaceAll(' ', '|')}): `)

function checkRun(run: MqscRunResult): void {
  expect(run.commandsRead).toBe(run.results.length)
  expect(run.commandsFailed).toBe(run.results.filter((result) => result.failed).length)
  for (const result of run.results) {
    if (result.failed) expect(result.lines[0]).toMatch(KNOWN_RESPONSES)
    // A failure for a bug would be AMQ8101S (893): never expected from these inputs.
    expect(result.lines).not.toContain('AMQ8101S: Error (893) has occurred.')
  }
  expect(formatTranscript(run, QUEUE_MANAGER).length).toBeGreaterThanOrEqual(7)
}

describe('robustness', () => {
  it('the parser never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: 'binary' }), (text) => {
        for (const command of logicalCommands(text)) {
          const outcome = parseCommand(command)
          if (!outcome.ok) expect(outcome.lines.length).toBeGreaterThan(0)
        }
      }),
      { numRuns: 1000 },
    )
  })

  it('runMqsc never rejects, on arbitrary text or MQSC-like scripts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(scripts, fc.string({ maxLength: 200 })), async (script) => {
        checkRun(await mqscFixture().run(script))
      }),
      { numRuns: 400 },
    )
  })

  it('keeps running one engine through a long random session', async () => {
    const { run } = mqscFixture()
    await fc.assert(
      fc.asyncProperty(scripts, async (script) => checkRun(await run(script))),
      { numRuns: 300 },
    )
  })
})

describe('round trip', () => {
  const settings = fc.record({
    description: fc.string({ maxLength: 30 }).map((text) => text.replace(/[\r\n]/g, '').trimEnd()),
    maxDepth: fc.integer({ min: 0, max: 999_999_999 }),
    maxMessageLength: fc.integer({ min: 0, max: 4_194_304 }),
    defaultPersistent: fc.boolean(),
    defaultPriority: fc.integer({ min: 0, max: 9 }),
    putEnabled: fc.boolean(),
    getEnabled: fc.boolean(),
    deliverySequence: fc.constantFrom('PRIORITY' as const, 'FIFO' as const),
  })

  it('a DEFINE with any valid attributes, continued over lines, reaches the engine', async () => {
    await fc.assert(
      fc.asyncProperty(settings, fc.constantFrom('+\n   ', '-\n', ' '), async (wanted, join) => {
        const { engine, run } = mqscFixture()
        const enabled = (value: boolean): string => (value ? 'ENABLED' : 'DISABLED')
        const parameters = [
          'def ql(q1)',
          `DESCR('${wanted.description.replaceAll("'", "''")}')`,
          `MAXDEPTH(${wanted.maxDepth})`,
          `MAXMSGL(${wanted.maxMessageLength})`,
          `DEFPSIST(${wanted.defaultPersistent ? 'YES' : 'no'})`,
          `DEFPRTY(${wanted.defaultPriority})`,
          `PUT(${enabled(wanted.putEnabled)})`,
          `GET(${enabled(wanted.getEnabled).toLowerCase()})`,
          `MSGDLVSQ(${wanted.deliverySequence})`,
        ]
        const result = await run(parameters.join(` ${join}`))
        expect(result.results[0]?.lines).toEqual(['AMQ8006I: Queue created.'])
        expect(engine.queueAttributes('Q1')).toEqual({
          name: 'Q1',
          ...wanted,
          backoutThreshold: 0,
          backoutRequeueQueue: '',
        })
      }),
      { numRuns: 200 },
    )
  })
})
