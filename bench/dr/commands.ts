/**
 * The DR benchmark's way to the commands: each runs as a child process of the compiled CLI with
 * the node's QMQ_HOME and QMQ_NODE, as an operator would run it.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DrStatusView } from '../../src/dr/dr-status-report.js'

export type DrNodeName = 'a' | 'b'

const CLI = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'src', 'cli')

export function runCommand(
  home: string,
  node: DrNodeName,
  command: string,
  words: readonly string[],
  input?: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [join(CLI, `${command}.js`), ...words],
      { env: { ...process.env, QMQ_HOME: home, QMQ_NODE: node } },
      (error, stdout, stderr) => {
        if (error !== null) reject(new Error(`${command} ${words.join(' ')}: ${stdout}${stderr}`))
        else resolve(stdout)
      },
    )
    if (input !== undefined) child.stdin?.end(input)
  })
}

/** Polls rdqmstatus --json until the DR status is `wanted` ('not X': anything but X). */
export async function waitForStatus(
  home: string,
  node: DrNodeName,
  queueManager: string,
  wanted: string,
  timeoutMs: number,
): Promise<DrStatusView> {
  const deadline = Date.now() + timeoutMs
  const negated = wanted.startsWith('not ') ? wanted.slice(4) : undefined
  for (;;) {
    const text = await runCommand(home, node, 'rdqmstatus', ['-m', queueManager, '--json'])
    const view = JSON.parse(text) as DrStatusView
    const matches = negated === undefined ? view.status === wanted : view.status !== negated
    if (matches) return view
    if (Date.now() > deadline) throw new Error(`${queueManager} never ${wanted}: ${text}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
