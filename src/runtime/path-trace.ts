/**
 * Where the time of one replicated put goes: with QMQ_PATH_TRACE=<prefix> set, every thread
 * appends `pid threadId stage lsn wallMillis` lines to `<prefix>.<pid>.<threadId>` at the
 * stages of the ack path (append, final batch, send, receive, journal take and durable, commit,
 * wake-up). Unset (always, outside a measurement), a stage costs one comparison. The stage
 * names and the report are in bench/replication/path-trace-report.ts; the figures it gave are
 * in docs/architecture.md section 9.
 */
import fs from 'node:fs'
import { threadId } from 'node:worker_threads'

const prefix = process.env['QMQ_PATH_TRACE']
/** Whether stages are recorded (to skip building a stage name when they are not). */
export const tracing = prefix !== undefined
const pending: string[] = []
/** Lines kept before one synchronous append (a write per stage would perturb what it times). */
const LINES_PER_WRITE = 64

export function trace(stage: string, lsn: number): void {
  if (prefix === undefined) return
  const wallMillis = (performance.timeOrigin + performance.now()).toFixed(3)
  pending.push(`${process.pid} ${threadId} ${stage} ${lsn} ${wallMillis}`)
  if (pending.length >= LINES_PER_WRITE) {
    fs.appendFileSync(`${prefix}.${process.pid}.${threadId}`, `${pending.join('\n')}\n`)
    pending.length = 0
  }
}
