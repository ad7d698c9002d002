#!/usr/bin/env node
/**
 * amqsget QName [QMgrName] [-x ConnName]
 *
 * MQ's get sample: gets every message (outside syncpoint), printing `message <text>`, until
 * none arrives within the wait, then `no more messages`. The wait is MQ's 15 s, or
 * QMQ_GET_WAIT_MS milliseconds when set (tests and scripts that know the queue is complete).
 *
 *   Sample AMQSGET0 start
 *   message <hello>
 *   no more messages
 *   Sample AMQSGET0 end
 *
 * Exit 0 when it ends with "no more messages", 1 after any other failure (MQ's sample exits 0).
 */
import type { QueueManagerConnection, RemoteQueue } from '../client/index.js'
import { SAMPLE_GET_WAIT_MS } from '../constants.js'
import { Reason } from '../errors.js'
import { optionValue } from './arguments.js'
import { connectTo, reasonOf } from './client-target.js'
import { exitWithHelpIfAsked } from './command-help.js'
import { parseOrUsage, runMain } from './command-line.js'
import { sampleWaitMs } from './sample-wait.js'

const SAMPLE = 'AMQSGET0'

async function main(): Promise<number> {
  exitWithHelpIfAsked('amqsget', process.argv.slice(2))
  process.stdout.write(`Sample ${SAMPLE} start\n`)
  const parsed = parseOrUsage(
    process.argv.slice(2),
    { short: { x: 'value' } },
    'amqsget QName [QMgrName] [-x ConnName]',
    (candidate) => candidate.positionals.length <= 2,
  )
  const [queueName, queueManager] = parsed.positionals
  if (queueName === undefined) {
    process.stdout.write('Required parameter missing - queue name\n')
    return 99
  }
  let connection: QueueManagerConnection
  try {
    connection = await connectTo(queueManager, optionValue(parsed, '-x'), 'amqsget')
  } catch (error) {
    process.stdout.write(`MQCONNX ended with reason code ${reasonOf(error)}\n`)
    return 1
  }
  const failed = await getMessages(connection, queueName, sampleWaitMs(SAMPLE_GET_WAIT_MS))
  await connection.close().catch(() => undefined)
  process.stdout.write(`Sample ${SAMPLE} end\n`)
  return failed ? 1 : 0
}

async function getMessages(
  connection: QueueManagerConnection,
  queueName: string,
  waitMs: number,
): Promise<boolean> {
  let queue: RemoteQueue
  try {
    queue = await connection.open(queueName, { input: true })
  } catch (error) {
    process.stdout.write(`MQOPEN ended with reason code ${reasonOf(error)}\n`)
    process.stdout.write('unable to open queue for input\n')
    return true
  }
  let failed = false
  for (;;) {
    try {
      const message = await queue.get({ waitMs })
      process.stdout.write(`message <${Buffer.from(message.body).toString('utf8')}>\n`)
    } catch (error) {
      const reason = reasonOf(error)
      if (reason === Reason.NO_MSG_AVAILABLE) {
        process.stdout.write('no more messages\n')
      } else {
        process.stdout.write(`MQGET ended with reason code ${reason}\n`)
        failed = true
      }
      break
    }
  }
  await queue.close().catch(() => undefined)
  return failed
}

runMain(main)
