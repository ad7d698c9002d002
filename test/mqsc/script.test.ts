/**
 * Goal: MQSC scripts split into logical commands by runmqsc's line rules: one command per line,
 * `+` and `-` continuations (also inside keywords and quoted strings), `;` as an explicit end,
 * comments and blank lines skipped.
 * Method: logicalCommands on small scripts.
 */
import { describe, expect, it } from 'vitest'
import { logicalCommands } from '../../src/mqsc/script.js'

describe('logical commands', () => {
  it('reads one command per line and trims each', () => {
    expect(logicalCommands('  DEFINE QLOCAL(A)  \nDISPLAY QLOCAL(A)')).toEqual([
      'DEFINE QLOCAL(A)',
      'DISPLAY QLOCAL(A)',
    ])
  })

  it('skips blank lines and comments, indented ones too', () => {
    const script = '* header\n\n   \nDEF QL(A)\n   * indented comment\n\t\nDIS QL(A)\n'
    expect(logicalCommands(script)).toEqual(['DEF QL(A)', 'DIS QL(A)'])
  })

  it('continues from the first nonblank character after +', () => {
    expect(logicalCommands('DEFINE QLOCAL(A) +\n      MAXDEPTH(7)')).toEqual([
      'DEFINE QLOCAL(A) MAXDEPTH(7)',
    ])
  })

  it('continues from the first column after -', () => {
    expect(logicalCommands("DEFINE QLOCAL(A) DESCR('two -\n  blanks')")).toEqual([
      "DEFINE QLOCAL(A) DESCR('two   blanks')",
    ])
  })

  it('continues inside a keyword, a value and a quoted string', () => {
    expect(logicalCommands("DEF+\nINE QLOCAL(LONG.+\nNAME) DESCR('Fr+\n  ed')")).toEqual([
      "DEFINE QLOCAL(LONG.NAME) DESCR('Fred')",
    ])
    expect(logicalCommands("DESCR('Fr-\ned')")).toEqual(["DESCR('Fred')"])
  })

  it('treats a continued line that looks like a comment as content', () => {
    expect(logicalCommands('DIS QL(+\n*)')).toEqual(['DIS QL(*)'])
  })

  it('ends a command at a trailing semicolon, also a stray continuation', () => {
    expect(logicalCommands('DIS QL(A);\nDIS QL(B) ;  ')).toEqual(['DIS QL(A)', 'DIS QL(B)'])
    expect(logicalCommands('DIS QL(A) +\n;\nDIS QL(B)')).toEqual(['DIS QL(A)', 'DIS QL(B)'])
  })

  it('ends a continued command at a blank line or at the end of the text', () => {
    expect(logicalCommands('DIS QL(A) +\n\nDIS QL(B) +')).toEqual(['DIS QL(A)', 'DIS QL(B)'])
  })

  it('keeps a semicolon that is not last on the line (a syntax error later)', () => {
    expect(logicalCommands('DIS QL(A); DIS QL(B)')).toEqual(['DIS QL(A); DIS QL(B)'])
  })

  it('accepts CRLF and CR line ends', () => {
    expect(logicalCommands('DIS QL(A)\r\nDIS QL(B)\rDIS QL(C) +\r\n  ALL')).toEqual([
      'DIS QL(A)',
      'DIS QL(B)',
      'DIS QL(C) ALL',
    ])
  })

  it('reads nothing from an empty script or one of comments', () => {
    expect(logicalCommands('')).toEqual([])
    expect(logicalCommands('* only\n*comments\n')).toEqual([])
    expect(logicalCommands(';\n ; ')).toEqual([])
  })
})
