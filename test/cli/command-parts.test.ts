/**
 * Goal: the pieces the commands are built from behave exactly, without processes: MQ-style
 * argument parsing, control-socket line splitting, the message table, amqsbcg's dump layout and
 * amqsblst's bodies. Method: direct calls with edge-case inputs.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ArgumentError, parseArguments } from '../../src/cli/arguments.js'
import { BlastMeter } from '../../src/cli/blast-report.js'
import { blastBody } from '../../src/cli/blast-writer.js'
import { hexDumpLines, putDateAndTime } from '../../src/cli/message-dump.js'
import { Messages, formatMessage } from '../../src/amq-messages.js'
import { packageRoot } from '../../src/runtime/package-root.js'
import {
  ControlProtocolError,
  LineSplitter,
  parseRequest,
} from '../../src/daemon/control-protocol.js'

describe('MQ-style arguments', () => {
  const specification = {
    short: { p: 'value', l: 'flag', lf: 'value', W: 'flag', w: 'flag' },
    long: { rate: 'value', json: 'flag' },
  } as const

  it('reads glued and separate values, the longest short name, long options', () => {
    const parsed = parseArguments(
      ['-p1414', '-lf', '256', '-W', 'QM1', '--rate=5', '--json', '--', '-w'],
      specification,
    )
    expect(Object.fromEntries(parsed.options)).toEqual({
      '-p': '1414',
      '-lf': '256',
      '-W': true,
      '--rate': '5',
      '--json': true,
    })
    expect(parsed.positionals).toEqual(['QM1', '-w'])
  })

  it('refuses unknown options, missing values and values on flags', () => {
    expect(() => parseArguments(['-z'], specification)).toThrow(ArgumentError)
    expect(() => parseArguments(['-p'], specification)).toThrow('needs a value')
    expect(() => parseArguments(['--json=1'], specification)).toThrow('takes no value')
    expect(() => parseArguments(['-Wx'], specification)).toThrow(ArgumentError)
  })
})

describe('control socket lines', () => {
  it('joins a line split anywhere, multi-byte characters included', () => {
    const text = Buffer.from('{"id":1,"command":"dspmq","arguments":{"q":"é€"}}\n{"id":2,')
    for (let split = 0; split <= text.length; split++) {
      const splitter = new LineSplitter()
      const lines = [
        ...splitter.push(text.subarray(0, split)),
        ...splitter.push(text.subarray(split)),
      ]
      expect(lines).toEqual(['{"id":1,"command":"dspmq","arguments":{"q":"é€"}}'])
    }
  })

  it('refuses a line over the cap and requests without id or command', () => {
    const splitter = new LineSplitter(8)
    expect(() => splitter.push(Buffer.from('0123456789'))).toThrow(ControlProtocolError)
    expect(() => parseRequest('{"command":"ping"}')).toThrow('id')
    expect(() => parseRequest('{"id":1}')).toThrow('command')
    expect(() => parseRequest('[1]')).toThrow('object')
    expect(parseRequest('{"id":3,"command":"ping"}')).toEqual({
      id: 3,
      command: 'ping',
      arguments: {},
    })
  })
})

describe('the message table', () => {
  it('has unique ids, AMQ style, and errors with non-zero exit codes', () => {
    const ids = Object.values(Messages).map((message) => message.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const message of Object.values(Messages)) {
      expect(message.id).toMatch(/^AMQ\d{4}[IE]$/)
      expect(message.id.endsWith('E')).toBe(message.exitCode !== 0)
      // Invented messages stay in QuorumMQ's own id range, so none passes for one of IBM's.
      const number = Number(message.id.slice(3, 7))
      const own = message.origin === 'quorummq' || message.origin === 'rdqm-text'
      const ownRange =
        (number >= 8960 && number <= 8999) ||
        (number >= 3960 && number <= 3989) ||
        (number >= 3930 && number <= 3949)
      expect(own, message.id).toBe(ownRange)
    }
    // runmqsc's ids mean what MQ's do; only "queue manager not available" is shared.
    const mqsc = fs.readFileSync(join(packageRoot, 'src', 'mqsc', 'messages.ts'), 'utf8')
    const mqscIds = new Set(mqsc.match(/AMQ\d{4}/g))
    const shared = ids.filter((id) => mqscIds.has(id.slice(0, 7)))
    expect(shared).toEqual(['AMQ8146E'])
    expect(formatMessage('DOES_NOT_EXIST')).toBe('AMQ8118E: QuorumMQ queue manager does not exist.')
    expect(formatMessage('QUEUE_MANAGER_ENDED', { queueManager: 'QM1' })).toBe(
      "QuorumMQ queue manager 'QM1' ended.",
    )
  })
})

describe("amqsbcg's layout", () => {
  it('dumps 16 bytes a line in pairs, with printable text', () => {
    const body = Buffer.concat([Buffer.from('Hello, world!\n'), Buffer.from([0, 255, 65])])
    expect(hexDumpLines(body)).toEqual([
      "00000000:  4865 6C6C 6F2C 2077 6F72 6C64 210A 00FF 'Hello, world!...'",
      "00000010:  41                                      'A               '",
    ])
    expect(hexDumpLines(Buffer.alloc(0))).toEqual([])
  })

  it("formats MQ's PutDate and PutTime in GMT with hundredths", () => {
    expect(putDateAndTime(Date.UTC(2024, 0, 2, 3, 4, 5, 678))).toEqual({
      date: '20240102',
      time: '03040567',
    })
  })
})

describe("amqsblst's bodies", () => {
  it('numbers messages, marks the last with B and pads to the size', () => {
    expect(blastBody(0, 3, 30).toString('latin1')).toBe('blast message 000000001.......')
    expect(blastBody(2, 3, 23).toString('latin1')).toBe('Blast message 000000003')
    expect(blastBody(2, 3, 1).toString('latin1')).toBe('B')
  })
})

describe('amqsblst rates', () => {
  /** A meter on a clock the test moves by hand. */
  function meterAt(mode: 'put' | 'got'): { meter: BlastMeter; clock: { ms: number } } {
    const clock = { ms: 0 }
    return { meter: new BlastMeter(mode, false, false, () => clock.ms), clock }
  }

  it('times a reader from its first message to its last, not its waits', () => {
    const { meter, clock } = meterAt('got')
    meter.start()
    // 50 s waiting for a writer, then 5 messages 1 s apart, then a 100 s get that times out.
    for (let index = 0; index < 5; index++) {
      clock.ms = 50_000 + index * 1_000
      meter.record(clock.ms - 1, 1_000_000)
    }
    clock.ms += 100_000
    meter.stop()
    const summary = meter.summary('read', { queueManager: 'QM', queue: 'Q' }, null)
    expect(summary.elapsedSeconds).toBe(4)
    expect(summary.messagesPerSecond).toBe(1)
    expect(summary.megabytesPerSecond).toBe(1)
    expect(summary.messages).toBe(5)
  })

  it('times a writer from its start to its end', () => {
    const { meter, clock } = meterAt('put')
    meter.start()
    clock.ms = 2_000
    meter.record(1_000, 10)
    clock.ms = 4_000
    meter.stop()
    const summary = meter.summary('write', { queueManager: 'QM', queue: 'Q' }, null)
    expect(summary.elapsedSeconds).toBe(4)
    expect(summary.messagesPerSecond).toBe(0.25)
  })
})
