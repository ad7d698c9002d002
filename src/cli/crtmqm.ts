#!/usr/bin/env node
/**
 * crtmqm [-p Port] [-lf LogFilePages] QMgrName
 *
 * Creates a queue manager in this node's directory (QMQ_HOME). Without -p its listener gets the
 * first free port from 1414 upward, printed. -lf sets the journal segment size in MQ's 4 KiB log
 * file pages: 2049 (about 8 MiB, two records of the largest message) to 65535, default 16384
 * (64 MiB). QMQ_LISTENER_HOST chooses the address the listener binds (default 127.0.0.1). The
 * queue manager is created ended; strmqm starts it.
 */
import { CommandFailure } from '../daemon/command-failure.js'
import { optionValue, parseWholeNumber } from './arguments.js'
import { callDaemonStarting, parseOrUsage, printResponse, runMain } from './command-line.js'

const USAGE = 'crtmqm [-p Port] [-lf LogFilePages] QMgrName'

async function main(): Promise<number> {
  const parsed = parseOrUsage(
    process.argv.slice(2),
    { short: { p: 'value', lf: 'value' } },
    USAGE,
    (candidate) => candidate.positionals.length === 1,
  )
  const parameters: Record<string, unknown> = { queueManager: parsed.positionals[0] }
  const port = optionValue(parsed, '-p')
  if (port !== undefined) {
    parameters['port'] = parseWholeNumber(port) ?? invalid('PORT_NOT_VALID', { port })
  }
  const pages = optionValue(parsed, '-lf')
  if (pages !== undefined) {
    parameters['logFilePages'] = parseWholeNumber(pages) ?? pages
  }
  const host = process.env['QMQ_LISTENER_HOST']
  if (host !== undefined && host !== '') parameters['host'] = host
  return printResponse(await callDaemonStarting('crtmqm', parameters))
}

function invalid(key: 'PORT_NOT_VALID', inserts: Record<string, string>): never {
  throw new CommandFailure(key, inserts)
}

runMain(main)
