/**
 * What qmqusr, setmqaut and dspmqaut share: finding the queue manager's security files from
 * `-m QM` (or the node's default), and MQ-style output. They work on the files directly, not
 * through the daemon: the files are the owner's (mode 0600), so only the owning OS user (the
 * "mqm" of this system) or root can run them usefully, and the running listener picks changes
 * up at the next connection or MQOPEN.
 */
import { existingQueueManager } from '../daemon/queue-manager-config.js'
import { SecurityCommandError } from '../security/security-commands.js'
import { securityPaths, type SecurityPaths } from '../security/security-files.js'
import { exitWithHelpIfAsked } from './command-help.js'
import { localNode, reportFailure } from './command-line.js'

export function securityPathsOf(queueManager: string | undefined): SecurityPaths {
  if (queueManager === undefined) throw new SecurityCommandError('-m QMgrName is needed')
  return securityPaths(existingQueueManager(localNode(), queueManager).root)
}

/** Takes `-m QM` out of the words: [queue manager, the other words]. */
export function takeQueueManager(words: readonly string[]): [string | undefined, string[]] {
  const index = words.indexOf('-m')
  if (index < 0) return [undefined, [...words]]
  const rest = [...words]
  const [, value] = rest.splice(index, 2)
  return [value, rest]
}

export function runSecurityCommand(usage: string, main: () => Promise<string[]>): void {
  exitWithHelpIfAsked(usage.split(' ')[0]!, process.argv.slice(2))
  Promise.resolve()
    .then(main)
    .then(
      (lines) => {
        for (const line of lines) process.stdout.write(`${line}\n`)
        process.exitCode = 0
      },
      (error: unknown) => {
        if (error instanceof SecurityCommandError) {
          process.stderr.write(`AMQ7024E: ${error.message}\nUsage: ${usage}\n`)
          process.exitCode = 36
        } else {
          process.exitCode = reportFailure(error)
        }
      },
    )
}

/** Standard input, whole, without its final newline: a password from a pipe or a terminal. */
export async function readStandardInput(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
}
