#!/usr/bin/env node
/**
 * npm run demo: QuorumMQ's quickstart, run with the real commands as a person would type them.
 *
 *   crtmqm QM1 · strmqm QM1 · runmqsc QM1 (DEFINE QLOCAL(DEMO.Q) DEFPSIST(YES) ...)
 *   amqsblst QM1 DEMO.Q -W (100,000 persistent 1 KiB messages, pipelined) · amqsblst -R
 *   endmqm -w QM1 · qmqd stop
 *
 * The node directory is a fresh temporary one, removed at the end, unless QMQ_HOME is set (then
 * that one is used and kept; it must not already hold a QM1). Only a daemon this demo started is
 * stopped. On failure or Ctrl-C it still ends QM1 and stops that daemon. On a terminal the
 * blasts draw a progress bar (amqsblst's, on stderr). It ends by telling how to put the commands
 * on PATH by name (npm link).
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pingDaemon } from '../daemon/control-client.js'
import { nodePaths } from '../daemon/node-paths.js'

const QUEUE_MANAGER = 'QM1'
const QUEUE = 'DEMO.Q'
const MESSAGE_COUNT = 100_000
const MESSAGE_BYTES = 1024
const INFLIGHT = 64
const COMMANDS = fileURLToPath(new URL('.', import.meta.url))

interface Run {
  readonly code: number
  readonly stdout: string
}

function run(home: string, command: string, words: string[], input?: string): Promise<Run> {
  process.stdout.write(
    `\n$ ${[command, ...words].join(' ')}${input === undefined ? '' : ' <<EOF'}\n`,
  )
  if (input !== undefined) process.stdout.write(`${input}EOF\n`)
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(COMMANDS, `${command}.js`), ...words], {
      env: { ...process.env, QMQ_HOME: home },
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8')
      process.stdout.write(chunk)
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? 1, stdout }))
    child.stdin.end(input ?? '')
  })
}

async function step(home: string, command: string, words: string[], input?: string) {
  const result = await run(home, command, words, input)
  if (result.code !== 0) throw new Error(`${command} failed with exit code ${result.code}`)
  return result
}

function blastFigures(stdout: string): string {
  const pick = (pattern: RegExp): string => pattern.exec(stdout)?.[1] ?? '?'
  const rate = pick(/Blast> rate = ([\d.]+ msgs\/s, [\d.]+ MB\/s)/)
  const latency = pick(/latency ms: (p50 = [\d.]+ p99 = [\d.]+ p99\.9 = [\d.]+ max = [\d.]+)/)
  return `${rate}; latency ms ${latency}`
}

interface Progress {
  started: boolean
  ended: boolean
}

async function demo(home: string, progress: Progress): Promise<void> {
  await step(home, 'crtmqm', [QUEUE_MANAGER])
  progress.started = true
  await step(home, 'strmqm', [QUEUE_MANAGER])
  const define = `DEFINE QLOCAL(${QUEUE}) DEFPSIST(YES) MAXDEPTH(1000000)\n`
  await step(home, 'runmqsc', [QUEUE_MANAGER], define)
  const common = [QUEUE_MANAGER, QUEUE, '--inflight', String(INFLIGHT)]
  const sizes = ['-s', String(MESSAGE_BYTES), '-c', String(MESSAGE_COUNT)]
  const write = await step(home, 'amqsblst', [...common, '-W', ...sizes])
  const read = await step(home, 'amqsblst', [...common, '-R'])
  await step(home, 'dspmq', ['-o', 'all'])
  await step(home, 'endmqm', ['-w', QUEUE_MANAGER])
  progress.ended = true
  process.stdout.write('\nQuorumMQ demo: 100,000 persistent 1 KiB messages over TCP on loopback\n')
  process.stdout.write(`  written (amqsblst -W): ${blastFigures(write.stdout)}\n`)
  process.stdout.write(`  read    (amqsblst -R): ${blastFigures(read.stdout)}\n`)
}

const HELP = `Usage: npm run demo   (node dist/src/cli/demo.js)
  Creates QM1 in a fresh QMQ_HOME (or the one set, which must not hold a QM1), starts it,
  blasts ${MESSAGE_COUNT.toLocaleString('en-US')} persistent ${MESSAGE_BYTES} B messages and reads them back, prints the rates,
  then ends QM1 and stops the daemon it started. No options.
`

/** How to run the commands by name after the demo (they are the package's bin entries). */
const BY_NAME = `
To run the commands by name (crtmqm, strmqm, dspmq, qmqd, ...), put them on PATH:
  npm link                      # from this checkout (or: npm install -g quorummq)
`

async function main(): Promise<number> {
  const words = process.argv.slice(2)
  if (words.some((word) => word === '-h' || word === '-?' || word === '--help')) {
    process.stdout.write(HELP)
    return 0
  }
  if (words.length > 0) {
    process.stderr.write(`demo takes no arguments\n${HELP}`)
    return 36
  }
  const configured = process.env['QMQ_HOME']
  const temporary = configured === undefined || configured === ''
  const home = temporary ? fs.mkdtempSync(join(os.tmpdir(), 'qmq-demo-')) : configured
  const paths = nodePaths(home)
  if (fs.existsSync(join(paths.queueManagers, QUEUE_MANAGER, 'qmgr.json'))) {
    process.stderr.write(
      `QMQ_HOME ${home} already has ${QUEUE_MANAGER}: unset QMQ_HOME to use a fresh one\n`,
    )
    return 1
  }
  const daemonWasRunning = (await pingDaemon(paths)) !== undefined
  // Ctrl-C reaches the running command too; its failure then leads to the clean-up below.
  const ignore = (): void => undefined
  process.on('SIGINT', ignore)
  const progress: Progress = { started: false, ended: false }
  let code = 0
  try {
    process.stdout.write(`QMQ_HOME=${home}\n`)
    await demo(home, progress)
  } catch (error) {
    process.stderr.write(
      `\ndemo failed: ${error instanceof Error ? error.message : String(error)}\n`,
    )
    code = 1
  }
  await cleanUp(home, progress, daemonWasRunning, temporary)
  process.off('SIGINT', ignore)
  if (code === 0) process.stdout.write(BY_NAME)
  return code
}

async function cleanUp(
  home: string,
  progress: Progress,
  daemonWasRunning: boolean,
  temporary: boolean,
): Promise<void> {
  if ((await pingDaemon(nodePaths(home))) !== undefined) {
    if (progress.started && !progress.ended) await run(home, 'endmqm', ['-i', QUEUE_MANAGER])
    if (!daemonWasRunning) await run(home, 'qmqd', ['stop', '-f'])
  }
  if (temporary) fs.rmSync(home, { recursive: true, force: true })
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`)
    process.exit(1)
  },
)
