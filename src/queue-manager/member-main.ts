/**
 * A replicated queue manager member as a process, until the HA-group issue hosts it in qmqd:
 *
 *   node dist/src/queue-manager/member-main.js <config.json>
 *
 * config.json: { "queueManager": "QM1", "group": "G1", "node": "a", "dataDirectory": "...",
 *   "clientPort": 1414, "members": [{ "id": "a", "host": "127.0.0.1", "port": 4000 }, ...],
 *   "segmentBytes": 4194304, "checkpointIntervalBytes": 1048576, "retainMaxBytes": 2097152,
 *   "queues": ["APP.Q"] }
 *   "segmentBytes": 4194304, "queues": ["APP.Q"], "sharedSecretFile": "...", "linkTlsDirectory":
 *   "...", "clientTlsDirectory": "..." }
 *
 * sharedSecretFile: the group's secret; links then authenticate by HMAC challenge (SECURITY.md).
 * linkTlsDirectory: key.pem, cert.pem, ca.pem for TLS on the links; clientTlsDirectory: the same
 * for the client listener.
 *
 * Test-only fields (the chaos suite, test/chaos/): a member's "via": {host, port} makes this
 * member dial that peer through a fault proxy; "testOnlyBugs": ["ack-before-quorum"] breaks a
 * safety rule on purpose (src/replication/bugs.ts) so the suite can show its checker catches it.
 *
 * Every member listens for replication on its own address and for clients on the same address at
 * clientPort; clients use a connection-name list of all members and reach the serving primary
 * (a standby answers 2543). Events are written to stdout as JSON lines ({"event":"role",...},
 * {"event":"serving",...}, {"event":"divergent",...}, {"event":"started"}, {"event":"installed"}
 * and {"event":"reopened"} around a checkpoint install); commands are read
 * from stdin, one per line: "transfer <node>", "status", "stop". SIGTERM stops it too.
 */
import fs from 'node:fs'
import readline from 'node:readline'
import { ErrorCode, QmqError } from '../errors.js'
import type { MemberAddress } from '../actors/replication/messages.js'
import { readLinkTls, readSecretFile } from '../security/link-security.js'
import { isSimulationBug } from '../replication/bugs.js'
import { ReplicatedQueueManager } from './replicated-queue-manager.js'

interface MemberConfig {
  readonly queueManager: string
  readonly group?: string
  readonly node: string
  readonly dataDirectory: string
  readonly clientPort: number
  readonly members: readonly MemberAddress[]
  readonly segmentBytes?: number
  readonly checkpointIntervalBytes?: number
  readonly retainMaxBytes?: number
  readonly queues?: readonly string[]
  readonly sharedSecretFile?: string
  readonly linkTlsDirectory?: string
  readonly clientTlsDirectory?: string
  readonly testOnlyBugs?: readonly string[]
}

function readConfig(path: string | undefined): MemberConfig {
  if (path === undefined) {
    throw new QmqError(ErrorCode.CONFIG_INVALID, 'usage: member-main <config.json>')
  }
  const config = JSON.parse(fs.readFileSync(path, 'utf8')) as MemberConfig
  if (!config.members.some((member) => member.id === config.node)) {
    throw new QmqError(ErrorCode.CONFIG_INVALID, `node ${config.node} is not among the members`)
  }
  for (const bug of config.testOnlyBugs ?? []) {
    if (!isSimulationBug(bug)) {
      throw new QmqError(ErrorCode.CONFIG_INVALID, `unknown test-only bug switch ${bug}`)
    }
  }
  return config
}

function say(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`)
}

function open(config: MemberConfig): Promise<ReplicatedQueueManager> {
  return ReplicatedQueueManager.open({
    dataDirectory: config.dataDirectory,
    queueManager: config.queueManager,
    group: config.group ?? config.queueManager,
    self: config.node,
    members: config.members,
    segmentBytes: config.segmentBytes,
    checkpointIntervalBytes: config.checkpointIntervalBytes,
    retainMaxBytes: config.retainMaxBytes,
    clientPort: config.clientPort,
    queues: config.queues,
    linkSecurity: {
      secret: config.sharedSecretFile ? readSecretFile(config.sharedSecretFile) : undefined,
      tls: config.linkTlsDirectory ? readLinkTls(config.linkTlsDirectory) : undefined,
    },
    clientTlsDirectory: config.clientTlsDirectory,
    testOnlyBugs: config.testOnlyBugs?.filter(isSimulationBug),
  })
}

/** The member now; `ready` settles once a reopen (after a checkpoint install) is done. */
interface Holder {
  member: ReplicatedQueueManager
  ready: Promise<ReplicatedQueueManager>
}

/** Events of `member` to stdout; a checkpoint install reopens it (recovery from the checkpoint). */
function wire(member: ReplicatedQueueManager, holder: Holder): void {
  member.on('role', (role, epoch, primaryId) => say('role', { role, epoch, primaryId }))
  member.on('serving', (serving) => say('serving', { serving, epoch: member.epoch }))
  member.on('divergent', (file) => say('divergent', { file }))
  member.on('failed', (error) => {
    say('failed', { message: error.message })
    process.exit(70)
  })
  // Commands wait while the member closes and reopens (the closed one would not answer).
  let reopened: (member: ReplicatedQueueManager) => void = () => undefined
  member.on('installing', () => {
    holder.ready = new Promise((resolve) => (reopened = resolve))
  })
  member.on('installed', (lsn) => {
    say('installed', { lsn })
    void reopen(holder).then(reopened)
  })
}

let config: MemberConfig

async function reopen(holder: Holder): Promise<ReplicatedQueueManager> {
  try {
    holder.member = await open(config)
  } catch (error) {
    say('failed', { message: (error as Error).message })
    process.exit(70)
  }
  wire(holder.member, holder)
  say('reopened', { checkpointLsn: (await holder.member.status()).checkpointLsn })
  return holder.member
}

async function main(): Promise<void> {
  config = readConfig(process.argv[2])
  const first = await open(config)
  const holder: Holder = { member: first, ready: Promise.resolve(first) }
  wire(holder.member, holder)
  let stopping = false
  const stop = async (): Promise<void> => {
    if (stopping) return
    stopping = true
    await (await holder.ready).close()
    say('stopped')
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop())
  const lines = readline.createInterface({ input: process.stdin })
  lines.on('line', (line) => {
    const [command, argument] = line.trim().split(/\s+/)
    if (command === 'stop') return void stop()
    void holder.ready.then((member) => {
      if (command === 'transfer' && argument !== undefined) member.transferLeadership(argument)
      else if (command === 'status') {
        void member.status().then((status) => say('status', { ...status }))
      }
    })
  })
  say('started', { node: config.node, pid: process.pid, testOnlyBugs: config.testOnlyBugs ?? [] })
}

main().catch((error: unknown) => {
  say('failed', { message: (error as Error).message })
  process.exit(70)
})
