#!/usr/bin/env node
/**
 * rdqmdr -m QMgrName (-p | -s | -d | -l | -r)
 *
 * -p makes this side the DR primary (refused while the other side's primary runs and the DR
 *    link works); strmqm then starts it. -s makes it the DR secondary (end it first): it
 *    follows the primary, and its records after the fork point (a split brain) are cut and
 *    saved aside with their LSNs. -d prints the crtmqm that creates the other side as
 *    secondary (rebuilding a lost node). QuorumMQ's own: -l lists the messages saved aside on
 *    this node in amqsbcg's format; -r puts them again on the serving primary (whichever side
 *    it is, through the DR addresses) and marks them restored, so they are never put twice.
 */
import { CommandFailure, ReplyBuilder } from '../daemon/command-failure.js'
import { connect } from '../client/index.js'
import { Persistence, type MessageDescriptor } from '../queue/types.js'
import { hasFlag, optionValue } from './arguments.js'
import { callDaemonStarting, parseOrUsage, printResponse, runMain } from './command-line.js'
import { descriptorLines, hexDumpLines } from './message-dump.js'

const USAGE = 'rdqmdr -m QMgrName (-p | -s | -d | -l | -r)'
const ACTIONS: Record<string, string> = {
  '-p': 'primary',
  '-s': 'secondary',
  '-d': 'command',
  '-l': 'list',
  '-r': 'list',
}

interface SavedEntry {
  readonly file: string
  readonly lsn: number
  readonly epoch: number
  readonly queue: string
  readonly descriptor: Omit<MessageDescriptor, 'msgId' | 'correlId'> & {
    readonly msgId: string
    readonly correlId: string
  }
  readonly body: string
  /** Got on this side after the fork (perhaps delivered): listed, not put again by -r. */
  readonly gotHere: boolean
}

function descriptorOf(entry: SavedEntry): MessageDescriptor {
  return {
    ...entry.descriptor,
    msgId: Buffer.from(entry.descriptor.msgId, 'hex'),
    correlId: Buffer.from(entry.descriptor.correlId, 'hex'),
  }
}

function printSaved(messages: readonly SavedEntry[]): void {
  const lines: string[] = [`${messages.length} message(s) saved aside on this node.`]
  messages.forEach((entry, index) => {
    const body = Buffer.from(entry.body, 'base64')
    lines.push(
      ' ',
      ` Saved message ${index + 1}: LSN ${entry.lsn}, epoch ${entry.epoch}, ` +
        `queue '${entry.queue}', file ${entry.file}`,
    )
    if (entry.gotHere) {
      lines.push(
        ' Got on this node after the fork: it may have been delivered. Not put again by -r;',
        ' put it again by hand if the application never received it.',
      )
    }
    lines.push(...descriptorLines(descriptorOf(entry)))
    lines.push(
      ' ',
      '****   Message      ****',
      ' ',
      ` length - ${body.length} of ${body.length}` + ' bytes',
      ' ',
      ...hexDumpLines(body),
      ' ',
    )
  })
  process.stdout.write(`${lines.join('\n')}\n`)
}

/** Puts the saved messages on the serving primary, then tells the daemon they are restored. */
async function restore(queueManager: string, data: { messages: SavedEntry[]; connName: string }) {
  const connection = await connect({ connName: data.connName, queueManager, clientName: 'rdqmdr' })
  try {
    for (const entry of data.messages) {
      if (entry.gotHere) continue
      const queue = await connection.open(entry.queue, { output: true })
      const { descriptor } = entry
      await queue.put(Buffer.from(entry.body, 'base64'), {
        persistence: descriptor.persistent ? Persistence.PERSISTENT : Persistence.NOT_PERSISTENT,
        priority: descriptor.priority,
        expiry: descriptor.expiry,
        msgId: Buffer.from(descriptor.msgId, 'hex'),
        correlId: Buffer.from(descriptor.correlId, 'hex'),
        format: descriptor.format,
        replyToQueue: descriptor.replyToQueue,
        replyToQueueManager: descriptor.replyToQueueManager,
      })
      await queue.close()
    }
  } finally {
    await connection.close().catch(() => undefined)
  }
  const files = [...new Set(data.messages.map((entry) => entry.file))]
  const marked = await callDaemonStarting('rdqmdr', { queueManager, action: 'restored', files })
  if (marked.exitCode !== 0) return printResponse(marked)
  const count = data.messages.filter((entry) => !entry.gotHere).length
  return printResponse({
    id: 0,
    ...new ReplyBuilder().print('DR_RESTORED', { count, queueManager }).done(),
  })
}

async function main(): Promise<number> {
  const parsed = parseOrUsage(
    process.argv.slice(2),
    { short: { m: 'value', p: 'flag', s: 'flag', d: 'flag', l: 'flag', r: 'flag' } },
    USAGE,
    (candidate) => candidate.positionals.length === 0,
  )
  const flags = Object.keys(ACTIONS).filter((flag) => hasFlag(parsed, flag))
  const queueManager = optionValue(parsed, '-m')
  if (flags.length !== 1 || queueManager === undefined) {
    throw new CommandFailure('ARGUMENTS_NOT_VALID')
  }
  const flag = flags[0]!
  const response = await callDaemonStarting('rdqmdr', { queueManager, action: ACTIONS[flag] })
  if (response.exitCode !== 0 || (flag !== '-l' && flag !== '-r')) return printResponse(response)
  const data = response.data as { messages: SavedEntry[]; connName: string }
  if (flag === '-l') {
    printSaved(data.messages)
    return 0
  }
  return restore(queueManager, data)
}

runMain(main)
