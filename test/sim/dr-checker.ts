/**
 * The checkers of a DR pair (two members, roles by admin promote and demote, no election). A
 * forced promotion may fork even acknowledged records in asynchronous mode, so the HA model of
 * one committed log does not apply; instead:
 *  - at most one primary per epoch;
 *  - at most one writer acknowledging at any time while the link is up (past the moments the
 *    two sides need to hear each other), unless both show Partitioned (a split brain);
 *  - nothing is overwritten: a member that is primary by the administrator's choice (and not
 *    demoted since, crashes included) never has its log cut;
 *  - synchronous mode, while in sync (not carrying on alone after the timeout): everything
 *    committed is durable on the secondary with the same bytes, and is never cut afterwards;
 *  - an acknowledged put is committed on the member that acknowledged it;
 *  - nothing acknowledged is silently gone: at the end of the run every acknowledged put is in
 *    the surviving primary's log (or below its log start on the same epoch line), or was
 *    acknowledged as got, or is among the records a member saved aside when its log was cut.
 */
import { decodeRecord, readRecordHeader } from '../../src/actors/journal/journal-record.js'
import { RecordType } from '../../src/actors/journal/record-types.js'
import type { EpochRun } from '../../src/replication/epoch-history.js'
import type { SimChecker } from './checker.js'
import type { LogRecord } from './sim-log.js'
import type { SimNode } from './sim-node.js'

/** What the DR checker needs to know of the simulated world. */
export interface DrWorld {
  now(): number
  peerOf(node: SimNode): SimNode
  /** The link works both ways, and both members are running and awake. */
  linkUp(): boolean
  /** Last time the link, or a member's running or frozen state, changed. */
  stableSince(): number
  /** How long two primaries may both serve on a working link before one hears the other. */
  readonly overlapGraceMs: number
}

function keyOf(record: LogRecord): string {
  return `${record.lsn}:${record.checksum}`
}

function epochAt(history: readonly EpochRun[], lsn: number): number {
  let epoch = 0
  for (const run of history) {
    if (run.startLsn > lsn) break
    epoch = run.epoch
  }
  return epoch
}

export class DrChecker implements SimChecker {
  readonly violations: string[] = []
  /** DR keeps no single committed model: engines are not compared against one. */
  readonly modelEnd = -1
  readonly engineComparisons = 0
  ackedPutCount = 0
  ackedGetCount = 0
  /** Records committed while the pair was in sync (synchronous mode). */
  syncCommits = 0
  /** Acknowledged puts later found only among the records saved aside. */
  savedAsideAcked = 0
  private readonly primaryOfEpoch = new Map<number, string>()
  /** `${member}/${tag}` -> the PUT record that member committed. */
  private readonly committedPut = new Map<string, LogRecord>()
  private readonly acked = new Map<string, LogRecord>()
  private readonly got = new Set<string>()
  private readonly savedAside = new Set<string>()
  private readonly inSync = new Set<string>()

  constructor(
    private readonly world: DrWorld,
    private readonly trace: (line: string) => void,
  ) {}

  violation(text: string): void {
    this.violations.push(text)
    this.trace(`VIOLATION ${text}`)
  }

  onPrimary(node: SimNode, epoch: number): void {
    const previous = this.primaryOfEpoch.get(epoch)
    if (previous !== undefined && previous !== node.id) {
      this.violation(`two primaries in epoch ${epoch}: ${previous} and ${node.id}`)
    }
    this.primaryOfEpoch.set(epoch, node.id)
  }

  onCommit(node: SimNode, commitLsn: number): void {
    if (commitLsn > node.log.endLsn) {
      this.violation(`${node.id} commits to ${commitLsn} but its log ends at ${node.log.endLsn}`)
      return
    }
    const fresh = node.log.range(node.checkedCommit, commitLsn).filter((r) => r.end <= commitLsn)
    node.checkedCommit = Math.max(node.checkedCommit, commitLsn)
    for (const record of fresh) {
      const tag = this.putTag(record)
      if (tag !== undefined) this.committedPut.set(`${node.id}/${tag}`, record)
    }
    const inSync = node.role === 'primary' && node.status.outOfSyncBytes === 0
    if (inSync && node.policy === 'drSync') this.checkSync(node, fresh)
  }

  /** In sync, a commit waits for the secondary: every record is durable there, same bytes. */
  private checkSync(node: SimNode, fresh: readonly LogRecord[]): void {
    const peer = this.world.peerOf(node)
    const peerDurable = peer.alive ? peer.disk.durableLsn : peer.log.endLsn
    for (const record of fresh) {
      const copy = peer.log.get(record.lsn)
      const same = copy?.checksum === record.checksum || this.retiredOnLine(peer, record)
      if (!same || record.end > peerDurable) {
        this.violation(
          `${node.id} committed [${record.lsn}, ${record.end}) in sync mode, not durable on ` +
            `${peer.id} (${copy === undefined ? 'absent' : 'other bytes'}, durable end ` +
            `${peerDurable})`,
        )
        return
      }
      this.inSync.add(keyOf(record))
      this.syncCommits++
    }
  }

  onCut(node: SimNode, cut: readonly LogRecord[]): void {
    if (node.adminPrimary && cut.length > 0) {
      this.violation(`${node.id} is primary (never demoted) yet had [${cut[0]!.lsn}, ...) cut`)
      return
    }
    for (const record of cut) {
      if (this.inSync.has(keyOf(record))) {
        this.violation(`${node.id} cut record ${record.lsn}, committed in sync mode`)
        return
      }
      this.savedAside.add(keyOf(record))
    }
  }

  onApplied(): void {}

  compareEngine(): void {}

  issue(): void {}

  ackPut(tag: string, node: SimNode): void {
    this.ackedPutCount++
    this.checkOneWriter(node, `put ${tag}`)
    const record = this.committedPut.get(`${node.id}/${tag}`)
    if (record === undefined) {
      this.violation(`acknowledged put ${tag} is not committed on ${node.id}`)
      return
    }
    this.acked.set(tag, record)
  }

  ackGet(tag: string, node: SimNode): void {
    this.ackedGetCount++
    this.checkOneWriter(node, `get ${tag}`)
    this.got.add(tag)
  }

  /** Two primaries may both serve only until the first messages across the link arrive. */
  private checkOneWriter(node: SimNode, what: string): void {
    const other = this.world.peerOf(node)
    if (!other.alive || other.frozen || !other.serving || !this.world.linkUp()) return
    // A split brain: both sides know it and keep their records until the operator demotes one.
    if (node.status.partitioned && other.status.partitioned) return
    const now = this.world.now()
    const since = Math.max(
      this.world.stableSince(),
      node.primarySince ?? now,
      other.primarySince ?? now,
    )
    if (now - since > this.world.overlapGraceMs) {
      this.violation(
        `${node.id} acknowledged ${what} while ${other.id} also serves on a working link ` +
          `(both since ${since} ms)`,
      )
    }
  }

  /** Below `node`'s log start, in its checkpoint: the same epoch at the same LSN is the same
   *  record (log matching). */
  private retiredOnLine(node: SimNode, record: LogRecord): boolean {
    const history = node.replica.epochHistory
    return record.end <= node.log.startLsn && epochAt(history, record.lsn) === record.epoch
  }

  /** End of run: every acknowledged put survives on the primary's line or was saved aside. */
  finalCheck(primary: SimNode): void {
    for (const [tag, record] of this.acked) {
      if (this.got.has(tag)) continue
      if (primary.log.get(record.lsn)?.checksum === record.checksum) continue
      if (this.retiredOnLine(primary, record)) continue
      if (this.savedAside.has(keyOf(record))) {
        this.savedAsideAcked++
        continue
      }
      this.violation(`acknowledged put ${tag} at ${record.lsn} is silently gone`)
      return
    }
  }

  private putTag(record: LogRecord): string | undefined {
    if (record.type !== RecordType.MESSAGE_PUT) return undefined
    const check = readRecordHeader(record.bytes, 0, record.bytes.length, record.lsn)
    if (check.kind !== 'ok') {
      this.violation(`committed record ${record.lsn} does not read back`)
      return undefined
    }
    const decoded = decodeRecord(record.bytes, 0, check.header)
    if (decoded.type !== RecordType.MESSAGE_PUT) return undefined
    return new TextDecoder().decode(decoded.body)
  }
}
