/**
 * MQ options that QuorumMQ's commands recognise but do not support, each with the reason it
 * gives. Recognising them lets a command say precisely which option is the problem and why,
 * instead of a bare AMQ7024E, to an administrator who typed what works on MQ.
 */
import { CommandFailure } from '../daemon/command-failure.js'
import type { OptionKind, ParsedArguments } from './arguments.js'

interface Unsupported {
  readonly kind: OptionKind
  readonly reason: string
}

const HA_DR = 'there is no volume to size: the journal grows by segments (-lf)'

export const UNSUPPORTED_OPTIONS: Readonly<Record<string, Readonly<Record<string, Unsupported>>>> =
  {
    crtmqm: {
      d: { kind: 'value', reason: 'there are no transmission queues or channels' },
      h: { kind: 'value', reason: 'there is no limit on open handles per connection' },
      lc: {
        kind: 'flag',
        reason:
          'the journal is its own kind: segments are reused once checkpoints no longer need them',
      },
      ll: {
        kind: 'flag',
        reason:
          'the journal is its own kind: segments are reused once checkpoints no longer need them',
      },
      ld: { kind: 'value', reason: 'the log lives under QMQ_HOME/qmgrs/<QM>/data; set QMQ_HOME' },
      md: { kind: 'value', reason: 'the data lives under QMQ_HOME/qmgrs/<QM>; set QMQ_HOME' },
      lp: { kind: 'value', reason: 'journal segments are created as needed; size them with -lf' },
      ls: { kind: 'value', reason: 'journal segments are created as needed; size them with -lf' },
      t: { kind: 'value', reason: 'there is no triggering' },
      x: { kind: 'value', reason: 'there is no limit on uncommitted messages to set' },
      oa: { kind: 'value', reason: 'there is no authorization yet' },
      fs: { kind: 'value', reason: HA_DR },
    },
    strmqm: {
      a: { kind: 'flag', reason: 'there are no backup queue managers' },
      c: { kind: 'flag', reason: 'default objects are created with the queue manager' },
      f: {
        kind: 'flag',
        reason: 'a queue manager whose directories are missing cannot be rebuilt',
      },
      ns: {
        kind: 'flag',
        reason: 'the listener is the only way in; the queue manager starts with it',
      },
      r: { kind: 'flag', reason: 'there are no backup queue managers to replay into' },
      x: { kind: 'flag', reason: 'there are no standby instances' },
    },
    endmqm: {
      r: { kind: 'flag', reason: 'clients reconnect by their own reconnect option' },
      s: { kind: 'flag', reason: 'there are no standby instances to switch over to' },
      x: { kind: 'flag', reason: 'there are no standby instances' },
    },
  }

/** The option specification entries that recognise a command's unsupported options. */
export function unsupportedSpecification(command: string): Record<string, OptionKind> {
  const table = UNSUPPORTED_OPTIONS[command] ?? {}
  return Object.fromEntries(Object.entries(table).map(([name, entry]) => [name, entry.kind]))
}

/** Throws AMQ8993E naming the first unsupported option given, with its reason. */
export function refuseUnsupported(command: string, parsed: ParsedArguments): void {
  const table = UNSUPPORTED_OPTIONS[command] ?? {}
  for (const name of Object.keys(table)) {
    if (parsed.options.has(`-${name}`)) {
      const reason = table[name]!.reason
      throw new CommandFailure('UNSUPPORTED_OPTION', { command, option: `-${name}`, reason })
    }
  }
}
