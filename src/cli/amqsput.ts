#!/usr/bin/env node
/**
 * amqsput QName [QMgrName] [-x ConnName]
 *
 * MQ's put sample: one message per line of standard input (format MQSTR, persistence as the
 * queue's DEFPSIST), ended by a blank line or end of input.
 *
 *   Sample AMQSPUT0 start
 *   target queue is Q1
 *   Sample AMQSPUT0 end
 *
 * Failures print as MQ's sample does (`MQOPEN ended with reason code 2085`) and stop it. Unlike
 * MQ's sample, which exits 0 after most failures, the exit code is 1 after any failed call, so
 * scripts can tell. The queue manager is found as client-target.ts describes.
 */
import { createInterface } from 'node:readline'
import type { QueueManagerConnection, RemoteQueue } from '../client/index.js'
import { optionValue } from './arguments.js'
import { connectTo, reasonOf } from './client-target.js'
import { exitWithHelpIfAsked } from './command-help.js'
import { parseOrUsage, runMain } from './command-line.js'

const SAMPLE = 'AMQSPUT0'

async function main(): Promise<number> {
  exitWithHelpIfAsked('amqsput', process.argv.slice(2))
  process.stdout.write(`Sample ${SAMPLE} start\n`)
  const parsed = parseOrUsage(
    process.argv.slice(2),
    { short: { x: 'value' } },
    'amqsput QName [QMgrName] [-x ConnName]',
    (candidate) => candidate.positionals.length <= 2,
  )
  const [queueName, queueManager] = parsed.positionals
  if (queueName === undefined) {
    process.stdout.write('Required parameter missing - queue name\n')
    return 99
  }
  let connection: QueueManagerConnection
  try {
    connection = await connectTo(queueManager, optionValue(parsed, '-x'), 'amqsput')
  } catch (error) {
    process.stdout.write(`MQCONNX ended with reason code ${reasonOf(error)}\n`)
    return 1
  }
  process.stdout.write(`target queue is ${queueName}\n`)
  const failed = await putLines(connection, queueName)
  await connection.close().catch(() => undefined)
  process.stdout.write(`Sample ${SAMPLE} end\n`)
  return failed ? 1 : 0
}

/** True if a call failed. */
async function putLines(connection: QueueManagerConnection, queueName: string): Promise<boolean> {
  let queue: RemoteQueue
  try {
    queue = await connection.open(queueName, { output: true })
  } catch (error) {
    process.stdout.write(`MQOPEN ended with reason code ${reasonOf(error)}\n`)
    process.stdout.write('unable to open queue for output\n')
    return true
  }
  const input = createInterface({ input: process.stdin, crlfDelay: Infinity })
  let failed = false
  for await (const line of input) {
    if (line === '') break
    try {
      await queue.put(line)
    } catch (error) {
      process.stdout.write(`MQPUT ended with reason code ${reasonOf(error)}\n`)
      failed = true
      break
    }
  }
  input.close()
  try {
    await queue.close()
  } catch (error) {
    process.stdout.write(`MQCLOSE ended with reason code ${reasonOf(error)}\n`)
  }
  return failed
}

runMain(main)
