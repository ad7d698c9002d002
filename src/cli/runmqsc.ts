#!/usr/bin/env node
/**
 * runmqsc [QMgrName]
 *
 * Runs MQSC commands against a running queue manager of this node (through its daemon). With
 * standard input from a file or pipe it reads the whole script and prints MQ's transcript. On a
 * terminal it is interactive: a prompt, each command answered as soon as it is complete
 * (continuation lines end in + or -), END (or EXIT, QUIT, end of input) prints the summary.
 * Without a name it uses the node's only queue manager.
 * Exit codes as MQ's: 0 every command ran, 10 some failed, 20 error (no such queue manager, not
 * running, input too large).
 */
import { createInterface } from 'node:readline'
import { RUNMQSC_MAX_SCRIPT_BYTES } from '../constants.js'
import { CommandFailure } from '../daemon/command-failure.js'
import { existingQueueManager } from '../daemon/queue-manager-config.js'
import type { LocateResult } from '../daemon/query-commands.js'
import { formatTranscript, type MqscRunResult } from '../mqsc/index.js'
import {
  callDaemonIfRunning,
  localNode,
  parseOrUsage,
  printResponse,
  runMain,
} from './command-line.js'
import { formatMessage } from '../amq-messages.js'

const EXIT_ERROR = 20
/** The transcript's banner: two lines and two blank ones before the first command. */
const BANNER_LINES = 4
const SUMMARY_LINES = 3

async function main(): Promise<number> {
  const parsed = parseOrUsage(
    process.argv.slice(2),
    {},
    'runmqsc [QMgrName]',
    (candidate) => candidate.positionals.length <= 1,
    EXIT_ERROR,
  )
  try {
    const queueManager = await chooseQueueManager(parsed.positionals[0])
    if (process.stdin.isTTY) return await interactive(queueManager)
    return await fromInput(queueManager)
  } catch (error) {
    if (!(error instanceof CommandFailure)) throw error
    process.stderr.write(`${error.message}\n`)
    return EXIT_ERROR
  }
}

async function chooseQueueManager(requested: string | undefined): Promise<string> {
  const response = await callDaemonIfRunning('locate', { queueManager: requested })
  if (response === undefined) {
    // No daemon, so nothing runs: say whether the name exists at all.
    if (requested === undefined) throw new CommandFailure('NOT_AVAILABLE')
    existingQueueManager(localNode(), requested)
    throw new CommandFailure('NOT_AVAILABLE')
  }
  if (response.exitCode !== 0) {
    throw new CommandFailure(requested === undefined ? 'NOT_AVAILABLE' : 'DOES_NOT_EXIST')
  }
  return (response.data as LocateResult).queueManager
}

async function fromInput(queueManager: string): Promise<number> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8')
  const bytes = Buffer.byteLength(text)
  if (bytes > RUNMQSC_MAX_SCRIPT_BYTES) {
    throw new CommandFailure('MQSC_TOO_LARGE', { bytes, limit: RUNMQSC_MAX_SCRIPT_BYTES })
  }
  const response = await callDaemonIfRunning('runmqsc', { queueManager, text })
  if (response === undefined) throw new CommandFailure('NOT_AVAILABLE')
  return printResponse(response)
}

async function interactive(queueManager: string): Promise<number> {
  const empty: MqscRunResult = { results: [], commandsRead: 0, commandsFailed: 0 }
  for (const line of formatTranscript(empty, queueManager).slice(0, BANNER_LINES)) {
    process.stdout.write(`${line}\n`)
  }
  const input = createInterface({ input: process.stdin, output: process.stdout })
  input.setPrompt(`${queueManager}> `)
  const session = new InteractiveSession(queueManager)
  input.prompt()
  for await (const line of input) {
    const ended = await session.line(line)
    if (ended) break
    input.prompt()
  }
  input.close()
  return session.finish()
}

class InteractiveSession {
  private pending = ''
  private readonly results: MqscRunResult['results'] = []
  private error = false

  constructor(private readonly queueManager: string) {}

  /** Takes one typed line; true once END was run or the queue manager went away. */
  async line(line: string): Promise<boolean> {
    this.pending += `${line}\n`
    const last = line.trimEnd().at(-1)
    if (last === '+' || last === '-') return false
    const text = this.pending
    this.pending = ''
    if (text.trim() === '') return false
    const response = await callDaemonIfRunning('runmqsc', {
      queueManager: this.queueManager,
      text,
      interactive: true,
    })
    if (response === undefined || response.exitCode === EXIT_ERROR) {
      const errors = response?.errors ?? [formatMessage('NOT_AVAILABLE')]
      for (const error of errors) process.stderr.write(`${error}\n`)
      this.error = true
      return true
    }
    return this.print((response.data as MqscRunResult).results)
  }

  private print(results: MqscRunResult['results']): boolean {
    for (const result of results) {
      this.results.push(result)
      const number = String(this.results.length).padStart(6)
      process.stdout.write(`${number} : ${result.command}\n`)
      for (const line of result.lines) process.stdout.write(`${line}\n`)
      if (/^(END|EXIT|QUIT)$/i.test(result.command)) return true
    }
    return false
  }

  finish(): number {
    const failed = this.results.filter((result) => result.failed).length
    const run = { results: this.results, commandsRead: this.results.length, commandsFailed: failed }
    for (const line of formatTranscript(run, this.queueManager).slice(-SUMMARY_LINES)) {
      process.stdout.write(`${line}\n`)
    }
    if (this.error) return EXIT_ERROR
    return failed > 0 ? 10 : 0
  }
}

runMain(main)
