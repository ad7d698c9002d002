/**
 * The MQSC command interpreter behind `runmqsc` (over the wire: the ADMIN request, issue 3).
 * runMqsc reads a script, runs its commands one after another against the queue engine and
 * returns each command's response; formatTranscript renders what runmqsc prints.
 *
 * Supported, with MQ's synonyms (DEF, DIS, QL, QA, Q, QS):
 *   DEFINE QLOCAL(q) [attributes] [REPLACE | NOREPLACE] [LIKE(q)]
 *   DEFINE QALIAS(q) TARGET(q) [DESCR PUT GET] [REPLACE | NOREPLACE]
 *   ALTER QLOCAL(q) [attributes] | ALTER QALIAS(q) [TARGET DESCR PUT GET]
 *   ALTER QMGR [DEADQ(q)] [DESCR(text)]
 *   DELETE QLOCAL(q) [PURGE | NOPURGE] | DELETE QALIAS(q)
 *   CLEAR QLOCAL(q)
 *   DISPLAY QLOCAL(generic) | QUEUE(generic) [TYPE(..)] [ALL | CURDEPTH DEFPRTY DEFPSIST DESCR
 *     GET IPPROCS MAXDEPTH MAXMSGL MSGDLVSQ OPPROCS PUT USAGE]
 *   DISPLAY QSTATUS(generic) [TYPE(QUEUE)] [ALL | CURDEPTH IPPROCS OPPROCS UNCOM]
 *   DISPLAY QALIAS(generic) [ALL | DESCR GET PUT TARGET]
 *   DISPLAY QMGR [ALL | DEADQ DESCR MAXMSGL MAXPRTY MAXUMSGS QMNAME] (all are always shown)
 *   DISPLAY QMSTATUS [ALL | QMNAME STATUS CURRLOG RECLOG MEDIALOG CKPTLOG LOGSIZE LOGSEGS
 *     LOGINUSE] (log figures only when the host passes them: see keywords.ts for their meaning)
 *   END (also EXIT, QUIT): stops reading; it is counted, as runmqsc counts it.
 * Attributes: DESCR, MAXDEPTH, MAXMSGL, DEFPSIST(YES|NO), DEFPRTY, PUT and
 * GET(ENABLED|DISABLED), MSGDLVSQ(PRIORITY|FIFO), BOTHRESH, BOQNAME. Line rules are in
 * script.ts, token rules in tokens.ts.
 *
 * Choices:
 *  - Message ids are MQ's, texts our own (messages.ts). Values out of range or of the wrong
 *    kind (MAXDEPTH(-1), DEFPRTY(10), DEFPSIST(MAYBE)) are AMQ8425E with a line naming the
 *    attribute, the value and what it takes. Unknown keywords, repeats and missing names are
 *    syntax errors (AMQ8405I, then AMQ8427I with the valid syntax, ranges included); an unknown
 *    verb lists the verbs (AMQ8426I). A well-formed command with an invalid name is AMQ8424E.
 *    Neither AMQ8424E nor AMQ8425E counts as a syntax error in the summary. Engine refusals
 *    map by reason: 2085 AMQ8147E, 2100 AMQ8150E, 2055 AMQ8143E, 2042 AMQ8148E, 2161 AMQ8156E,
 *    2059 AMQ8146E, 4005 (an attribute the engine refuses, e.g. BOQNAME) AMQ8425E, anything
 *    else AMQ8101S with the reason in hexadecimal.
 *  - A DISPLAY that matches nothing fails with AMQ8147E, as in MQ.
 *  - Unquoted values are folded to upper case and quoted ones kept, so QLOCAL(q1) is Q1 and
 *    QLOCAL('q1') is q1. DESCR drops trailing blanks (MQ pads it), so DESCR(' ') clears it;
 *    DESCR('') is accepted for the same.
 *  - Comments and blank lines are not echoed (runmqsc echoes them unnumbered): a result is a
 *    command. The echo is the logical command on one line, not the physical lines.
 *  - Nothing here throws for any input: parse failures are responses, engine errors are
 *    responses, and an unexpected exception is AMQ8101S (893, MQRC_UNEXPECTED_ERROR).
 */
import { Reason } from '../errors.js'
import type { QueueEngine } from '../queue/engine.js'
import { parseCommand } from './command-parser.js'
import { executeCommand, type CommandOutcome, type MqscHost } from './executor.js'
import { unexpectedError } from './messages.js'
import type { MqscCommandResult, MqscRunResult } from './results.js'
import { logicalCommands } from './script.js'

export { formatTranscript } from './transcript.js'
export type { MqscCommandResult, MqscRunResult } from './results.js'
export type { MqscHost } from './executor.js'
export type { QueueManagerLogView } from './display.js'

export async function runMqsc(
  engine: QueueEngine,
  text: string,
  queueManagerName: string,
  host: MqscHost = {},
): Promise<MqscRunResult> {
  const results: MqscCommandResult[] = []
  for (const command of logicalCommands(text)) {
    const { outcome, end } = await runCommand(engine, command, queueManagerName, host)
    results.push({ command, lines: outcome.lines, failed: outcome.failed })
    if (end) break
  }
  return {
    results,
    commandsRead: results.length,
    commandsFailed: results.filter((result) => result.failed).length,
  }
}

async function runCommand(
  engine: QueueEngine,
  text: string,
  queueManagerName: string,
  host: MqscHost,
): Promise<{ outcome: CommandOutcome; end: boolean }> {
  try {
    const parsed = parseCommand(text)
    if (!parsed.ok) return { outcome: { lines: parsed.lines, failed: true }, end: false }
    const outcome = await executeCommand(engine, parsed.command, queueManagerName, host)
    return { outcome, end: parsed.command.kind === 'end' }
  } catch {
    // A parser bug must cost one command, not the script.
    const lines = [unexpectedError(Reason.UNEXPECTED_ERROR)]
    return { outcome: { lines, failed: true }, end: false }
  }
}
