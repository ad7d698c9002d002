#!/usr/bin/env node
/**
 * amqsghac QName [QMgrName] [-x ConnName[,ConnName...]]
 *
 * MQ's HA get sample: gets messages (destructively, outside syncpoint) through a reconnecting
 * connection and prints each one and every reconnect event, waiting for more until Ctrl-C. A
 * get interrupted by a failover is sent again with its request identity: the message it had
 * taken is delivered, not lost, and not twice.
 *
 *   Sample AMQSGHAC start
 *   message <Message 1>
 *   16:02:15 : EVENT : Connection Reconnecting (2544: ...)
 *   16:02:16 : EVENT : Connection Reconnected (2545)
 *   message <Message 2>
 *   Sample AMQSGHAC end
 *
 * A failed call prints `MQGET ended with reason code N` and ends it with exit code 1.
 */
import type { RemoteQueue } from '../client/index.js'
import { isMQError, Reason } from '../errors.js'
import { reasonOf } from './client-target.js'
import { runMain } from './command-line.js'
import { startHaSample, type HaSampleCommand } from './ha-sample.js'

const SAMPLE = 'AMQSGHAC'
const COMMAND: HaSampleCommand = {
  command: 'amqsghac',
  usage: 'amqsghac QName [QMgrName] [-x ConnName[,ConnName...]]',
  details: [
    'QName      the queue to get from',
    'QMgrName   the queue manager (with -x: checked against the one that answers)',
    '-x ConnName  host(port), or a list tried in order (an HA group: every node)',
    'Gets and prints messages, reconnecting across failovers, until Ctrl-C.',
  ],
}

async function main(): Promise<number> {
  const started = await startHaSample(COMMAND, SAMPLE, process.argv.slice(2))
  if ('exitCode' in started) return started.exitCode
  const { connection, queueName, stop } = started
  let failed = false
  try {
    const queue: RemoteQueue = await connection.open(queueName, { input: true })
    while (!stop.aborted) {
      try {
        const message = await queue.get({ waitMs: -1, signal: stop })
        process.stdout.write(`message <${Buffer.from(message.body).toString('utf8')}>\n`)
      } catch (error) {
        if (stop.aborted && !isMQError(error)) break
        if (isMQError(error) && error.reason === Reason.NO_MSG_AVAILABLE) continue
        throw error
      }
    }
  } catch (error) {
    process.stdout.write(`MQGET ended with reason code ${reasonOf(error)}\n`)
    failed = true
  }
  await connection.close().catch(() => undefined)
  process.stdout.write(`Sample ${SAMPLE} end\n`)
  return failed ? 1 : 0
}

runMain(main)
