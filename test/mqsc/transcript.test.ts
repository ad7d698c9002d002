/**
 * Goal: the transcript reads like runmqsc's: banner, numbered echoes, responses in MQ's column
 * layout, and MQ's three summary lines with its singular and plural wording.
 * Method: golden text for a whole session and for DISPLAY layouts; summaries from hand-built
 * results (as a client rebuilds them from the wire).
 */
import { describe, expect, it } from 'vitest'
import { columns } from '../../src/mqsc/display.js'
import { formatTranscript, type MqscRunResult } from '../../src/mqsc/index.js'
import { mqscFixture, QUEUE_MANAGER } from './fixture.js'

describe('transcript', () => {
  it('matches the golden session', async () => {
    const { run } = mqscFixture()
    const script = [
      '* Queues for the order service',
      "DEFINE QLOCAL(ORDERS) DEFPSIST(YES) MAXDEPTH(20000) DESCR('Orders, it''s +",
      "       persistent')",
      'DIS QL(ORDERS) ALL',
      'DEFINE QLOCAL(ORDERS)',
      'DEFINE QLOCAL(ORDERS) DEFPRTY(10)',
      'DISPLAY QSTATUS(ORDERS)',
      'END',
    ].join('\n')
    expect(formatTranscript(await run(script), QUEUE_MANAGER).join('\n')).toBe(
      `QuorumMQ MQSC command interpreter.
Starting MQSC for queue manager QM1.


     1 : DEFINE QLOCAL(ORDERS) DEFPSIST(YES) MAXDEPTH(20000) DESCR('Orders, it''s persistent')
AMQ8006I: Queue created.
     2 : DIS QL(ORDERS) ALL
AMQ8409I: Display Queue details.
   QUEUE(ORDERS)                           TYPE(QLOCAL)
   BOQNAME( )                              BOTHRESH(0)
   CURDEPTH(0)                             DEFPRTY(0)
   DEFPSIST(YES)                           DESCR(Orders, it's persistent)
   GET(ENABLED)                            IPPROCS(0)
   MAXDEPTH(20000)                         MAXMSGL(4194304)
   MSGDLVSQ(PRIORITY)                      OPPROCS(0)
   PUT(ENABLED)                            USAGE(NORMAL)
     3 : DEFINE QLOCAL(ORDERS)
AMQ8150E: Object already exists.
     4 : DEFINE QLOCAL(ORDERS) DEFPRTY(10)
AMQ8425E: Attribute value error.
DEFPRTY(10) is not valid: DEFPRTY takes an integer from 0 to 9.
     5 : DISPLAY QSTATUS(ORDERS)
AMQ8450I: Display queue status details.
   QUEUE(ORDERS)                           TYPE(QUEUE)
   CURDEPTH(0)
     6 : END
6 MQSC commands read.
No commands have a syntax error.
2 valid MQSC commands could not be processed.`,
    )
  })

  it('gives an item too long for a column its own line, and shows empty as a blank', async () => {
    const { run, responses } = mqscFixture()
    await run(`DEF QL(Q1) DESCR('${'d'.repeat(40)}')\nDEF QL(Q2)`)
    expect(await responses('DIS QL(Q*) DESCR DEFPRTY')).toEqual([
      '     1 : DIS QL(Q*) DESCR DEFPRTY',
      'AMQ8409I: Display Queue details.',
      '   QUEUE(Q1)                               TYPE(QLOCAL)',
      '   DEFPRTY(0)',
      `   DESCR(${'d'.repeat(40)})`,
      'AMQ8409I: Display Queue details.',
      '   QUEUE(Q2)                               TYPE(QLOCAL)',
      '   DEFPRTY(0)                              DESCR( )',
    ])
  })

  it('fills a column with an item of 39 characters and moves one of 40 to its own line', () => {
    const fits = 'A'.repeat(39)
    const long = 'B'.repeat(40)
    expect(columns([fits, 'X', 'Y', long, 'Z'])).toEqual([
      `   ${fits} X`,
      '   Y',
      `   ${long}`,
      '   Z',
    ])
  })

  it('numbers commands right-aligned in six columns', async () => {
    const { run } = mqscFixture()
    const transcript = formatTranscript(await run('DIS QMGR\n'.repeat(10)), QUEUE_MANAGER)
    expect(transcript.filter((line) => line.includes(' : '))).toContain('    10 : DIS QMGR')
  })
})

describe('summary', () => {
  const summary = (run: MqscRunResult): string[] => formatTranscript(run, 'QM1').slice(-3)
  const ok = { command: 'DIS QMGR', lines: ['AMQ8408I: Display Queue Manager details.'] }
  const syntax = {
    command: 'X',
    lines: ['AMQ8405I: Syntax error detected at or near end of command segment below:-', 'X'],
  }
  const refused = { command: 'DEF QL(Q)', lines: ['AMQ8150E: Object already exists.'] }

  it('words no commands', () => {
    expect(summary({ results: [], commandsRead: 0, commandsFailed: 0 })).toEqual([
      'No MQSC commands read.',
      'No commands have a syntax error.',
      'All valid MQSC commands were processed.',
    ])
  })

  it('words one of each', () => {
    const results = [
      { ...ok, failed: false },
      { ...syntax, failed: true },
      { ...refused, failed: true },
    ]
    expect(summary({ results, commandsRead: 3, commandsFailed: 2 })).toEqual([
      '3 MQSC commands read.',
      'One command has a syntax error.',
      'One valid MQSC command could not be processed.',
    ])
    expect(summary({ results: [results[0]!], commandsRead: 1, commandsFailed: 0 })[0]).toBe(
      'One MQSC command read.',
    )
  })

  it('words several', () => {
    const results = [
      { ...syntax, failed: true },
      { ...syntax, failed: true },
      { ...refused, failed: true },
      { ...refused, failed: true },
      { ...refused, failed: true },
    ]
    expect(summary({ results, commandsRead: 5, commandsFailed: 5 })).toEqual([
      '5 MQSC commands read.',
      '2 commands have a syntax error.',
      '3 valid MQSC commands could not be processed.',
    ])
  })
})
