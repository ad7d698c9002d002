/**
 * Tokens grouped into MQSC parameters: `KEYWORD` or `KEYWORD(value)`, blanks allowed around the
 * parentheses as MQSC allows. Keywords and unquoted values are folded to upper case (MQSC folds
 * everything not in quotes); quoted values are kept exactly. A value is one word or one quoted
 * string: the commands supported here take no lists, and `KEYWORD()` is invalid as in MQSC.
 */
import { tokenize } from './tokens.js'

export interface Parameter {
  readonly keyword: string
  /** Offset just past the keyword: where an unknown keyword's syntax error points. */
  readonly keywordEnd: number
  readonly value: string | undefined
  /** Offset just past the parameter (its closing parenthesis when it has a value). */
  readonly end: number
}

export interface ParameterList {
  /** The parameters read before any error. */
  readonly parameters: readonly Parameter[]
  /** Set when the text is not a sequence of parameters: the end of the offending token. */
  readonly errorEnd: number | undefined
}

export function parameterList(text: string): ParameterList {
  const { tokens, errorEnd: tokenError } = tokenize(text)
  const parameters: Parameter[] = []
  let index = 0
  while (index < tokens.length) {
    const keyword = tokens[index]!
    if (keyword.kind !== 'word') return { parameters, errorEnd: keyword.end }
    const keywordText = keyword.text.toUpperCase()
    if (tokens[index + 1]?.kind !== 'open') {
      parameters.push({
        keyword: keywordText,
        keywordEnd: keyword.end,
        value: undefined,
        end: keyword.end,
      })
      index += 1
      continue
    }
    const value = tokens[index + 2]
    const close = tokens[index + 3]
    if (value === undefined || (value.kind !== 'word' && value.kind !== 'string')) {
      return { parameters, errorEnd: value?.end ?? text.length }
    }
    if (close?.kind !== 'close') return { parameters, errorEnd: close?.end ?? text.length }
    parameters.push({
      keyword: keywordText,
      keywordEnd: keyword.end,
      value: value.kind === 'word' ? value.text.toUpperCase() : value.text,
      end: close.end,
    })
    index += 4
  }
  return { parameters, errorEnd: tokenError }
}
