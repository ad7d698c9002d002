/**
 * MQSC script text to logical commands, following runmqsc's line rules:
 *  - one command per logical line; a line whose last nonblank character is `+` continues from
 *    the first nonblank character of the next line, `-` from its first column (both may split
 *    a keyword, a value or a quoted string);
 *  - a last nonblank `;` ends the command explicitly (so a stray continuation can be closed);
 *  - lines whose first nonblank character is `*` are comments, and blank lines are skipped,
 *    unless a command is being continued (then they are part of it, or end it when blank).
 * MQ only treats `*` in column 1 as a comment; indented comments are accepted here too, since no
 * MQSC command starts with `*` and scripts indented by editors should not fail.
 */

type Continuation = 'none' | 'fromFirstNonblank' | 'fromFirstColumn'

/** The logical commands of `text`, continuations joined and trimmed, comments dropped. */
export function logicalCommands(text: string): string[] {
  const commands: string[] = []
  let pending = ''
  let continuation: Continuation = 'none'
  for (const line of text.split(/\r\n|\n|\r/)) {
    if (continuation === 'none' && isBlankOrComment(line)) continue
    const content: string = continuation === 'fromFirstColumn' ? line : line.trimStart()
    const trimmed: string = content.trimEnd()
    const last: string | undefined = trimmed.at(-1)
    if (last === '+' || last === '-') {
      // Blanks before the continuation character stay: they separate the next parameter.
      pending += trimmed.slice(0, -1)
      continuation = last === '+' ? 'fromFirstNonblank' : 'fromFirstColumn'
      continue
    }
    pending += last === ';' ? trimmed.slice(0, -1) : trimmed
    pushCommand(commands, pending)
    pending = ''
    continuation = 'none'
  }
  pushCommand(commands, pending)
  return commands
}

function isBlankOrComment(line: string): boolean {
  const trimmed = line.trimStart()
  return trimmed === '' || trimmed.startsWith('*')
}

function pushCommand(commands: string[], command: string): void {
  const trimmed = command.trim()
  if (trimmed !== '') commands.push(trimmed)
}
