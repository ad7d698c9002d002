/**
 * MQ-style command-line parsing. MQ's commands take flags that node:util's parseArgs cannot
 * express: multi-letter single-dash flags (`crtmqm -lf 256`), values glued to their flag
 * (`dspmq -mQM1`), case-sensitive pairs (`amqsblst -W` / `-w`). The rules here:
 *   -p 1414, -p1414       a short option with a value (longest matching name wins: -lf before -l)
 *   -i                    a short flag
 *   --rate 5, --rate=5    a long option with a value; --json a long flag
 *   --                    the rest are positionals
 *   anything else         a positional, kept in order
 * A repeated option keeps the last value; an unknown one is an error naming it.
 */

export type OptionKind = 'flag' | 'value'

/** Option names without dashes: single-dash ones ('p', 'lf') and double-dash ones ('rate'). */
export interface OptionSpecification {
  readonly short?: Readonly<Record<string, OptionKind>>
  readonly long?: Readonly<Record<string, OptionKind>>
}

export interface ParsedArguments {
  /** Flags map to true; values to their text. Keys keep their dash: '-p', '--rate'. */
  readonly options: ReadonlyMap<string, string | true>
  readonly positionals: readonly string[]
}

export class ArgumentError extends Error {
  override readonly name = 'ArgumentError'
}

export function parseArguments(
  words: readonly string[],
  specification: OptionSpecification,
): ParsedArguments {
  const options = new Map<string, string | true>()
  const positionals: string[] = []
  for (let index = 0; index < words.length; index++) {
    const argument = words[index]!
    if (argument === '--') {
      positionals.push(...words.slice(index + 1))
      break
    }
    const next = (): string => {
      const value = words[++index]
      if (value === undefined) throw new ArgumentError(`option ${argument} needs a value`)
      return value
    }
    if (argument.startsWith('--')) {
      parseLong(argument, specification, options, next)
    } else if (argument.startsWith('-') && argument.length > 1) {
      parseShort(argument, specification, options, next)
    } else {
      positionals.push(argument)
    }
  }
  return { options, positionals }
}

function parseLong(
  argument: string,
  specification: OptionSpecification,
  options: Map<string, string | true>,
  next: () => string,
): void {
  const equals = argument.indexOf('=')
  const name = equals === -1 ? argument.slice(2) : argument.slice(2, equals)
  const kind = specification.long?.[name]
  if (kind === undefined) throw new ArgumentError(`unknown option --${name}`)
  if (kind === 'flag') {
    if (equals !== -1) throw new ArgumentError(`option --${name} takes no value`)
    options.set(`--${name}`, true)
    return
  }
  options.set(`--${name}`, equals === -1 ? next() : argument.slice(equals + 1))
}

function parseShort(
  argument: string,
  specification: OptionSpecification,
  options: Map<string, string | true>,
  next: () => string,
): void {
  const body = argument.slice(1)
  const names = Object.keys(specification.short ?? {})
    .filter((name) => body.startsWith(name))
    .sort((left, right) => right.length - left.length)
  const name = names[0]
  if (name === undefined) throw new ArgumentError(`unknown option ${argument}`)
  const kind = specification.short![name]
  const rest = body.slice(name.length)
  if (kind === 'flag') {
    if (rest !== '') throw new ArgumentError(`unknown option ${argument}`)
    options.set(`-${name}`, true)
    return
  }
  options.set(`-${name}`, rest === '' ? next() : rest)
}

/** The value of an option that takes one, if given. */
export function optionValue(parsed: ParsedArguments, name: string): string | undefined {
  const value = parsed.options.get(name)
  return typeof value === 'string' ? value : undefined
}

export function hasFlag(parsed: ParsedArguments, name: string): boolean {
  return parsed.options.get(name) === true
}

/** A whole decimal number, or undefined when the text is anything else. */
export function parseWholeNumber(text: string): number | undefined {
  return /^\d{1,15}$/.test(text) ? Number(text) : undefined
}
