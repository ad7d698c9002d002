/**
 * What `-h`, `-?` or `--help` prints for each command: its usage line and one line per option.
 * Help goes to stdout with exit 0; a usage error prints the usage line only, with AMQ7024E.
 *
 * crtmqm's `-h` is MQ's MaxHandles and takes a number: `crtmqm -h 256` is that option (refused
 * as unsupported), `crtmqm -h` alone is help.
 */
import { parseWholeNumber } from './arguments.js'

export interface CommandHelp {
  readonly usage: string
  readonly details: readonly string[]
}

const NAME_DEFAULT = 'QMgrName   the queue manager; without it, the default one (crtmqm -q)'

export const COMMAND_HELP: Readonly<Record<string, CommandHelp>> = {
  crtmqm: {
    usage:
      'crtmqm [-c Text] [-lf LogFilePages] [-p Port] [--listener-host Address] [-q] ' +
      '[-u DeadLetterQName] [-sx | -sxs] [-rr p|s -rt a|s -rl LocalAddr -ri RemoteAddr ' +
      '-rn RemoteNode -rp DrPort [--dr-sync-timeout-ms Ms]] [-z] QMgrName',
    details: [
      '-c Text              description, kept in qmgr.json',
      '-lf LogFilePages     journal segment size in 4 KiB pages (2049 to 65535, default 16384)',
      '-p Port              listener port (default: the first free one from 1414)',
      '--listener-host Address  address the listener binds (default 127.0.0.1, loopback only',
      '                     until clients authenticate; QMQ_LISTENER_HOST sets the same)',
      '-q                   make it the default queue manager of this node',
      '-u DeadLetterQName   the dead-letter queue (DISPLAY QMGR DEADQ)',
      "-sx                  an HA queue manager on all three nodes of this node's group",
      '                     (rdqmadm -c first); -p, -lf apply to all three',
      '-sxs                 an HA secondary on this node only',
      '-rr p|s              a DR queue manager, primary or secondary side (src/dr/); with',
      "                     -rt a|s (asynchronous, default; or synchronous), -rl this side's",
      "                     address, -ri the other side's, -rn the other node, -rp DR port",
      '--dr-sync-timeout-ms Ms  synchronous: the primary carries on alone after this (1000)',
      '-z                   suppress error messages (the exit code still tells)',
      'Not supported (refused with the reason): -d -h Number -lc -ll -ld -lp -ls -md -t -x',
      '  -oa -fs',
    ],
  },
  strmqm: {
    usage: 'strmqm [-z] [QMgrName]',
    details: [
      NAME_DEFAULT,
      '-z                   suppress error messages (the exit code still tells)',
      'Not supported (refused with the reason): -a -c -f -ns -r -x',
    ],
  },
  endmqm: {
    usage: 'endmqm [-c | -i | -p | -w] [-z] [QMgrName]',
    details: [
      NAME_DEFAULT,
      '-c   controlled (default): new calls fail with 2161, applications get time to leave',
      '-w   controlled, and wait for the end',
      '-i   immediate: connections closed now, their units of work backed out; waits',
      '-p   pre-emptive: as -i (an immediate end never waits for applications here)',
      '-z   suppress error messages (the exit code still tells)',
      'Not supported (refused with the reason): -r -s -x',
    ],
  },
  dltmqm: {
    usage: 'dltmqm [-z] QMgrName',
    details: ['-z   suppress error messages (the exit code still tells)'],
  },
  dspmq: {
    usage: 'dspmq [-m QMgrName] [-o status | -o all | -o ha | -o log]',
    details: [
      '-m QMgrName   only this queue manager',
      '-o all        every field',
      '-o ha         HA(Replicated) for an HA queue manager, HA() otherwise',
    ],
  },
  rdqmadm: {
    usage: 'rdqmadm -c | -u | -k | -s [-n Node] | -r [-n Node] | -p -m QMgrName (-n Node | -d)',
    details: [
      '-c   join this node to the HA group of QMQ_HOME/rdqm.ini (run on each of the three nodes)',
      '-u   leave the group (refused while HA queue managers exist here)',
      '-k   write a new group secret to QMQ_HOME/rdqm.secret; copy it to the other nodes',
      '-s   suspend this node (or -n Node): its queue managers move away',
      '-r   resume it: it catches up; queue managers preferring it move back',
      '-p   -m QM -n Node: preferred location (switchover now); -m QM -d: clear it',
    ],
  },
  qmqusr: {
    usage: 'qmqusr -m QMgrName (-a UserName | -d UserName | -l | -c OPTIONAL|REQUIRED)',
    details: [
      '-a UserName          add a user or change its password (read from standard input)',
      '-d UserName          delete a user and its authorities',
      '-l                   list the users and CHCKCLNT',
      '-c OPTIONAL|REQUIRED CONNAUTH CHCKCLNT: REQUIRED refuses clients without credentials',
    ],
  },
  setmqaut: {
    usage:
      'setmqaut -m QMgrName -n Profile -t queue|qmgr -p UserName [+auth ...] [-auth ...] [-remove]',
    details: [
      '-n Profile           a queue name, or a generic profile ending in *',
      '-t queue|qmgr        the object type',
      '-p UserName          the user whose authorities change',
      '+auth / -auth        grant / revoke: put get browse inq dsp chg clr dlt all',
      '-remove              delete the profile for that user',
    ],
  },
  dspmqaut: {
    usage: 'dspmqaut -m QMgrName [-n ObjectName -t queue|qmgr] [-p UserName]',
    details: ['shows the authorities granted, per profile and user'],
  },
  rdqmint: {
    usage: 'rdqmint -m QMgrName (-a -f Address -l Interface | -d)',
    details: [
      '-a   floating IP address: the node serving the queue manager holds it (ip addr, as root)',
      '-d   delete it',
      'Lifecycle hooks in QMQ_HOME/hooks/ see it as QMQ_FLOATING_IP, QMQ_FLOATING_INTERFACE',
    ],
  },
  rdqmstatus: {
    usage: 'rdqmstatus [-m QMgrName [-a]] [-n] [--json]',
    details: [
      "-m QMgrName   the HA queue manager: its status here and every other node's HA status",
      '-a            with -m: failed actions too',
      '-n            whether each node of the group is online',
      '--json        the same as one JSON object',
    ],
  },
  runmqsc: {
    usage: 'runmqsc [QMgrName]',
    details: [NAME_DEFAULT, 'MQSC commands from standard input; interactive on a terminal'],
  },
  amqsput: {
    usage: 'amqsput QName [QMgrName] [-x ConnName]',
    details: ['One message per line of standard input', '-x host(port)[,...]  connect there'],
  },
  amqsget: {
    usage: 'amqsget QName [QMgrName] [-x ConnName]',
    details: ['Gets every message until none arrives', '-x host(port)[,...]  connect there'],
  },
  amqsbcg: {
    usage: 'amqsbcg QName [QMgrName] [-x ConnName]',
    details: ['Browses every message and dumps it', '-x host(port)[,...]  connect there'],
  },
  amqsblst: {
    usage:
      'amqsblst QMgrName QName -W|-R [-s sizes|random] [-c count] [-u uow] [-C correlid] [-v] ' +
      '[--inflight N] [--rate msgs/s] [--persistent|--nonpersistent] [--json] [-x ConnName]',
    details: [
      '-W | -R        write or read',
      '-s sizes       body sizes in bytes, comma-separated, or random',
      '-c count       messages to write (default 1000); a reader stops after at most count',
      '-u uow         messages per unit of work (default: outside syncpoint)',
      '-C correlid    correlation id to set or match',
      '-v             more frequent progress lines',
      '--inflight N   calls outstanding at once',
      '--rate msgs/s  pace the writer (open loop)',
      '--json         one JSON summary instead of Blast> lines',
      'A reader reports its rate from the first message it got to the last.',
    ],
  },
  qmqd: {
    usage:
      'qmqd [run [--metrics[=Port]] [--console[=Port]] | start | stop [-f] | status | ' +
      'send Command [JsonArguments]]',
    details: [
      'run      in the foreground (systemd, containers); SIGTERM ends queue managers immediately',
      '  --metrics[=Port]  Prometheus endpoint http://127.0.0.1:Port/metrics (default 9464)',
      '  --console[=Port]  web console http://127.0.0.1:Port/ (default 9465)',
      '  (or QMQ_METRICS_PORT, QMQ_CONSOLE_PORT in the environment; both off by default)',
      'start    in the background unless running (commands do this themselves)',
      'stop     stop the daemon; refused while queue managers run, unless -f',
      'stop -f  end every running queue manager immediately (each named), then stop',
      'status   exit 0 and its pid if running, 1 if not',
      'send     any control command with JSON arguments; prints the raw response',
      '         (qmqd send status: the node status the metrics and the console show)',
    ],
  },
}

/** True if the words ask for help. */
export function wantsHelp(words: readonly string[]): boolean {
  return words.some(
    (word, index) =>
      word === '--help' ||
      word === '-?' ||
      (word === '-h' && parseWholeNumber(words[index + 1] ?? '') === undefined),
  )
}

export function helpText(command: string): string {
  const help = COMMAND_HELP[command]
  if (help === undefined) return `Usage: ${command}\n`
  return [`Usage: ${help.usage}`, ...help.details.map((line) => `  ${line}`), ''].join('\n')
}

/** Prints the command's help and exits 0 if the words ask for it. */
export function exitWithHelpIfAsked(command: string, words: readonly string[]): void {
  if (!wantsHelp(words)) return
  process.stdout.write(helpText(command))
  process.exit(0)
}
