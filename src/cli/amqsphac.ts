#!/usr/bin/env node
/**
 * amqsphac QName [QMgrName] [-x ConnName[,ConnName...]]
 *
 * MQ's HA put sample: puts a numbered persistent message ('Message 1', 'Message 2', ...) every
 * second through a reconnecting connection, printing each one and every reconnect event, until
 * Ctrl-C. Watch it across a failover: the events appear, the numbers go on with no gap, and
 * amqsghac on the other side receives each number once.
 *
 *   Sample AMQSPHAC start
 *   target queue is SOURCE
 *   message <Message 1>
 *   16:02:15 : EVENT : Connection Reconnecting (2544: ...)
 *   16:02:16 : EVENT : Connection Reconnected (2545)
 *   message <Message 2>
 *   Sample AMQSPHAC end
 *
 * A failed call prints `MQPUT ended with reason code N` and ends it with exit code 1.
 */
import type { RemoteQueue } from '../client/index.js'
import { HA_SAMPLE_PUT_INTERVAL_MS } from '../constants.js'
import { Persistence } from '../queue/types.js'
import { reasonOf } from './client-target.js'
import { runMain } from './command-line.js'
import { pause, startHaSample, type HaSampleCommand } from './ha-sample.js'

const SAMPLE = 'AMQSPHAC'
const COMMAND: HaSampleCommand = {
  command: 'amqsphac',
  usage: 'amqsphac QName [QMgrName] [-x ConnName[,ConnName...]]',
  details: [
    'QName      the queue to put to',
    'QMgrName   the queue manager (with -x: checked against the one that answers)',
    '-x ConnName  host(port), or a list tried in order (an HA group: every node)',
    'Puts "Message N" persistently every second, reconnecting across failovers, until Ctrl-C.',
  ],
}

async function main(): Promise<number> {
  const started = await startHaSample(COMMAND, SAMPLE, process.argv.slice(2))
  if ('exitCode' in started) return started.exitCode
  const { connection, queueName, stop } = started
  process.stdout.write(`target queue is ${queueName}\n`)
  let failed = false
  try {
    const queue: RemoteQueue = await connection.open(queueName, { output: true })
    for (let number = 1; !stop.aborted; number++) {
      const body = `Message ${number}`
      await queue.put(body, { persistence: Persistence.PERSISTENT })
      process.stdout.write(`message <${body}>\n`)
      await pause(HA_SAMPLE_PUT_INTERVAL_MS, stop)
    }
  } catch (error) {
    process.stdout.write(`MQPUT ended with reason code ${reasonOf(error)}\n`)
    failed = true
  }
  await connection.close().catch(() => undefined)
  process.stdout.write(`Sample ${SAMPLE} end\n`)
  return failed ? 1 : 0
}

runMain(main)
