/**
 * Tokens of one logical MQSC command: words (keywords and unquoted values), parentheses and
 * quoted strings. Blanks and commas separate tokens and are otherwise insignificant (MQSC
 * treats commas as blanks). Inside single quotes everything is kept as entered and `''` stands
 * for one quote. Offsets are kept so a syntax error can echo the command up to the culprit.
 */

export type TokenKind = 'word' | 'string' | 'open' | 'close'

export interface Token {
  readonly kind: TokenKind
  /** Words as entered (case folding is the parser's), strings without quotes and unescaped. */
  readonly text: string
  readonly start: number
  /** Offset just past the token. */
  readonly end: number
}

export interface Tokenization {
  readonly tokens: readonly Token[]
  /** Set when a quoted string is not closed: the error is at the end of the command. */
  readonly errorEnd: number | undefined
}

const QUOTE = "'"

export function tokenize(text: string): Tokenization {
  const tokens: Token[] = []
  let position = 0
  while (position < text.length) {
    const character = text[position]!
    if (isSeparator(character)) {
      position++
    } else if (character === '(' || character === ')') {
      const kind = character === '(' ? 'open' : 'close'
      tokens.push({ kind, text: character, start: position, end: position + 1 })
      position++
    } else if (character === QUOTE) {
      const string = readQuoted(text, position)
      if (string === undefined) return { tokens, errorEnd: text.length }
      tokens.push(string)
      position = string.end
    } else {
      const end = wordEnd(text, position)
      tokens.push({ kind: 'word', text: text.slice(position, end), start: position, end })
      position = end
    }
  }
  return { tokens, errorEnd: undefined }
}

function isSeparator(character: string): boolean {
  return character === ',' || /\s/.test(character)
}

function wordEnd(text: string, start: number): number {
  let end = start
  while (end < text.length) {
    const character = text[end]!
    if (isSeparator(character) || character === '(' || character === ')' || character === QUOTE) {
      break
    }
    end++
  }
  return end
}

function readQuoted(text: string, start: number): Token | undefined {
  const parts: string[] = []
  let position = start + 1
  while (position < text.length) {
    const close = text.indexOf(QUOTE, position)
    if (close < 0) return undefined
    parts.push(text.slice(position, close))
    if (text[close + 1] !== QUOTE) {
      return { kind: 'string', text: parts.join(''), start, end: close + 1 }
    }
    parts.push(QUOTE)
    position = close + 2
  }
  return undefined
}
