/**
 * The runmqsc transcript: a banner, each command echoed with its number right-aligned in six
 * columns (`     1 : DEFINE QLOCAL(Q1)`) followed by its response, and MQ's three summary lines.
 * The banner is QuorumMQ's own; its second line keeps runmqsc's wording, which people and
 * scripts look for.
 */
import { isSyntaxErrorResponse } from './messages.js'
import type { MqscRunResult } from './results.js'

const COMMAND_NUMBER_WIDTH = 6

export function formatTranscript(run: MqscRunResult, queueManagerName: string): string[] {
  const lines = [
    'QuorumMQ MQSC command interpreter.',
    `Starting MQSC for queue manager ${queueManagerName}.`,
    '',
    '',
  ]
  run.results.forEach((result, index) => {
    const number = String(index + 1).padStart(COMMAND_NUMBER_WIDTH)
    lines.push(`${number} : ${result.command}`, ...result.lines)
  })
  const syntaxErrors = run.results.filter(
    (result) => result.failed && isSyntaxErrorResponse(result.lines),
  ).length
  lines.push(
    commandsReadLine(run.commandsRead),
    syntaxErrorsLine(syntaxErrors),
    unprocessedLine(run.commandsFailed - syntaxErrors),
  )
  return lines
}

function commandsReadLine(count: number): string {
  if (count === 0) return 'No MQSC commands read.'
  return count === 1 ? 'One MQSC command read.' : `${count} MQSC commands read.`
}

function syntaxErrorsLine(count: number): string {
  if (count === 0) return 'No commands have a syntax error.'
  return count === 1 ? 'One command has a syntax error.' : `${count} commands have a syntax error.`
}

function unprocessedLine(count: number): string {
  if (count === 0) return 'All valid MQSC commands were processed.'
  return count === 1
    ? 'One valid MQSC command could not be processed.'
    : `${count} valid MQSC commands could not be processed.`
}
