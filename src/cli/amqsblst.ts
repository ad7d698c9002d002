#!/usr/bin/env node
/**
 * amqsblst: MQ's blast sample (rdqm.md section 5) with load-testing additions; options in
 * blast-options.ts, writer and reader in blast-writer.ts and blast-reader.ts, output in
 * blast-report.ts.
 *
 *   amqsblst QM1 Q1 -W -c 100000 -s 1024 --inflight 64
 *   Blast> Writing 100000 messages to Q1 on QM1 (sizes 1024, persistence as queue, ...)
 *   Blast> 10000 messages put
 *   ...
 *   Blast> messages = 100000
 *   Blast> bytes = 102400000
 *   Blast> elapsed time = 2.345 S
 *   Blast> rate = 42643.9 msgs/s, 43.67 MB/s
 *   Blast> put latency ms: p50 = 1.234 p99 = 3.456 p99.9 = 5.678 max = 9.012
 *
 * Exit 0 when the run completed; 1 when a call failed (the connection broke, the queue filled,
 * the reader waited in vain), after printing how many operations were confirmed; 36 for bad
 * arguments. With --json the Blast> lines are replaced by one JSON object at the end.
 */
import type { QueueManagerConnection, RemoteQueue } from '../client/index.js'
import { parseArguments, ArgumentError } from './arguments.js'
import {
  BLAST_OPTION_SPECIFICATION,
  BLAST_USAGE,
  blastOptions,
  type BlastOptions,
} from './blast-options.js'
import { readMessages } from './blast-reader.js'
import { BlastMeter, summaryLines, type BlastFailure } from './blast-report.js'
import { writeMessages } from './blast-writer.js'
import { connectTo, reasonOf } from './client-target.js'
import { exitWithHelpIfAsked } from './command-help.js'
import { runMain } from './command-line.js'
import { formatMessage } from '../amq-messages.js'
import { PROGRESS_REDRAW_INTERVAL_MS } from '../constants.js'
import { ProgressBar } from '../ops/progress-bar.js'

async function main(): Promise<number> {
  exitWithHelpIfAsked('amqsblst', process.argv.slice(2))
  const options = parseOptions(process.argv.slice(2))
  if (typeof options === 'string') {
    process.stderr.write(`${formatMessage('ARGUMENTS_NOT_VALID')} ${options}\n`)
    process.stderr.write(`Usage: ${BLAST_USAGE}\n`)
    return 36
  }
  const say = (line: string): void => {
    if (!options.json) process.stdout.write(`Blast> ${line}\n`)
  }
  say(describe(options))
  let connection: QueueManagerConnection
  let queue: RemoteQueue
  try {
    connection = await connectTo(options.queueManager, options.connectionNames, 'amqsblst')
  } catch (error) {
    return report(options, new BlastMeter('put', false, false), callFailure('MQCONNX', error))
  }
  try {
    const open = options.mode === 'write' ? { output: true } : { input: true }
    queue = await connection.open(options.queue, open)
  } catch (error) {
    await connection.close().catch(() => undefined)
    return report(options, new BlastMeter('put', false, false), callFailure('MQOPEN', error))
  }
  const meter = new BlastMeter(
    options.mode === 'write' ? 'put' : 'got',
    !options.json,
    options.verbose,
  )
  let failure: BlastFailure | null
  // On a terminal (the demo), a progress bar on stderr; piped output stays as it was.
  const bar = new ProgressBar(
    process.stderr,
    options.count,
    options.mode === 'write' ? 'messages put' : 'messages got',
  )
  const drawing = setInterval(() => bar.update(meter.messages), PROGRESS_REDRAW_INTERVAL_MS)
  try {
    failure = await blast(connection, queue, options, meter, say)
  } finally {
    clearInterval(drawing)
    bar.finish()
  }
  await connection.close().catch(() => undefined)
  return report(options, meter, failure)
}

async function blast(
  connection: QueueManagerConnection,
  queue: RemoteQueue,
  options: BlastOptions,
  meter: BlastMeter,
  say: (line: string) => void,
): Promise<BlastFailure | null> {
  let failure: BlastFailure | null
  if (options.mode === 'write') {
    failure = await writeMessages(connection, queue, options, meter)
  } else {
    const result = await readMessages(connection, queue, options, meter)
    failure = result.failure
    if (result.extra > 0) say(`${result.extra} messages after the end marker were also got`)
  }
  return failure
}

function parseOptions(words: string[]): BlastOptions | string {
  try {
    return blastOptions(parseArguments(words, BLAST_OPTION_SPECIFICATION))
  } catch (error) {
    if (error instanceof ArgumentError) return error.message
    throw error
  }
}

function describe(options: BlastOptions): string {
  const sizes = options.sizes.length === 0 ? 'random' : options.sizes.join(',')
  const persistence = ['not persistent', 'persistent', 'as queue'][options.persistence]
  const unitOfWork =
    options.unitOfWork > 0 ? `${options.unitOfWork} per unit of work` : 'no syncpoint'
  const rate = options.rate > 0 ? `, ${options.rate} msgs/s` : ''
  const settings = `persistence ${persistence}, ${unitOfWork}, inflight ${options.inflight}${rate}`
  if (options.mode === 'write') {
    return `Writing ${options.count} messages to ${options.queue} on ${options.queueManager} (sizes ${sizes}, ${settings})`
  }
  return `Reading messages from ${options.queue} on ${options.queueManager} until the end marker (${settings})`
}

function callFailure(call: string, error: unknown): BlastFailure {
  return { call, reason: reasonOf(error) }
}

function report(options: BlastOptions, meter: BlastMeter, failure: BlastFailure | null): number {
  const names = { queueManager: options.queueManager, queue: options.queue }
  const summary = meter.summary(options.mode, names, failure)
  if (options.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`)
  } else {
    for (const line of summaryLines(summary, options.unitOfWork > 0)) {
      process.stdout.write(`${line}\n`)
    }
  }
  return failure === null ? 0 : 1
}

runMain(main)
