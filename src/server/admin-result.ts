/**
 * ADMIN requests: the server runs MQSC through an injected function (the daemon passes one built
 * on src/mqsc/), so the server depends on no interpreter, and shapes its transcript into an
 * ADMIN_RESULT that always encodes: each line cut to MAX_ADMIN_LINE_BYTES, and the whole cut to
 * MAX_ADMIN_RESULT_BYTES with a last line saying how many lines were left out.
 */
import { Buffer } from 'node:buffer'
import { MAX_ADMIN_LINE_BYTES, MAX_ADMIN_RESULT_BYTES } from '../constants.js'
import { Opcode, type AdminResultFrame } from '../wire/client-protocol.js'
import { truncateUtf8 } from './error-reply.js'

/** What running one MQSC script produced: transcript lines and how many commands failed. */
export interface AdminOutcome {
  readonly lines: readonly string[]
  readonly failedCount: number
}

/** Runs an MQSC script (one command per line) against the queue manager the server serves. */
export type AdminFunction = (text: string) => Promise<AdminOutcome>

/** Each line travels with a u16 byte count. */
const LINE_PREFIX_BYTES = 2
/** Room kept for the "lines left out" note: its prefix and a short sentence. */
const TRUNCATION_NOTE_BYTES = 64

export function adminResultFrame(requestId: number, outcome: AdminOutcome): AdminResultFrame {
  const lines: string[] = []
  let totalBytes = 0
  const budget = MAX_ADMIN_RESULT_BYTES - TRUNCATION_NOTE_BYTES
  for (const line of outcome.lines) {
    const kept = truncateUtf8(line, MAX_ADMIN_LINE_BYTES)
    const size = LINE_PREFIX_BYTES + Buffer.byteLength(kept, 'utf8')
    if (totalBytes + size > budget) break
    lines.push(kept)
    totalBytes += size
  }
  const leftOut = outcome.lines.length - lines.length
  if (leftOut > 0) lines.push(`(${leftOut} more lines left out: result above the size limit)`)
  const failedCount = Math.min(Math.max(0, Math.trunc(outcome.failedCount)), 0xffff_ffff)
  return { type: Opcode.ADMIN_RESULT, requestId, failedCount, lines }
}
