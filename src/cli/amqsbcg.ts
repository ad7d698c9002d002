#!/usr/bin/env node
/**
 * amqsbcg QName [QMgrName] [-x ConnName]
 *
 * MQ's browse sample: browses every message without removing it and prints its message
 * descriptor and a hex dump of its body in amqsbcg's layout (message-dump.ts), then
 * "No more messages". Exit 0, or 1 after a failed call (MQ's sample returns the CompCode).
 */
import type { QueueManagerConnection, RemoteQueue } from '../client/index.js'
import type { GotMessage } from '../queue/types.js'
import { Reason } from '../errors.js'
import { optionValue } from './arguments.js'
import { connectTo, reasonOf } from './client-target.js'
import { exitWithHelpIfAsked } from './command-help.js'
import { parseOrUsage, runMain } from './command-line.js'
import { descriptorLines, hexDumpLines } from './message-dump.js'

function print(...lines: string[]): void {
  for (const line of lines) process.stdout.write(`${line}\n`)
}

async function main(): Promise<number> {
  exitWithHelpIfAsked('amqsbcg', process.argv.slice(2))
  print('', 'AMQSBCG0 - starts here', '**********************')
  const parsed = parseOrUsage(
    process.argv.slice(2),
    { short: { x: 'value' } },
    'amqsbcg QName [QMgrName] [-x ConnName]',
    (candidate) => candidate.positionals.length <= 2,
  )
  const [queueName, queueManager] = parsed.positionals
  if (queueName === undefined) {
    print(' Required parameter missing - queue name', '', '  Usage: amqsbcg QName [ QMgrName ]')
    return 4
  }
  let connection: QueueManagerConnection
  try {
    connection = await connectTo(queueManager, optionValue(parsed, '-x'), 'amqsbcg')
  } catch (error) {
    print('', ` MQCONN failed with CompCode:2, Reason:${reasonOf(error)}`)
    return 1
  }
  const failed = await browseAll(connection, queueName)
  await connection.close().catch(() => undefined)
  return failed ? 1 : 0
}

async function browseAll(connection: QueueManagerConnection, queueName: string) {
  print(' ', ` MQOPEN - '${queueName}'`)
  let queue: RemoteQueue
  try {
    queue = await connection.open(queueName, { browse: true })
  } catch (error) {
    print(` MQOPEN failed with CompCode:2, Reason:${reasonOf(error)}`, ' MQDISC')
    return true
  }
  print(' ')
  let failed = false
  for (let number = 1; ; number++) {
    let message: GotMessage
    try {
      message = await queue.get({ browse: number === 1 ? 'first' : 'next' })
    } catch (error) {
      const reason = reasonOf(error)
      failed = reason !== Reason.NO_MSG_AVAILABLE
      if (failed) print(` MQGET ${number}, failed with CompCode:2 Reason:${reason}`)
      else print(' ', ' ', ' No more messages ')
      break
    }
    printMessage(number, message)
  }
  print(' MQCLOSE')
  await queue.close().catch(() => undefined)
  print(' MQDISC')
  return failed
}

function printMessage(number: number, message: GotMessage): void {
  const length = message.body.length
  print(' ', ` MQGET of message number ${number}, CompCode:0 Reason:0`)
  print(...descriptorLines(message.descriptor))
  print(' ', '****   Message      ****', ' ', ` length - ${length} of ${length} bytes`, ' ')
  print(...hexDumpLines(message.body), ' ')
}

runMain(main)
