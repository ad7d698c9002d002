/**
 * Goal: amqsblst behaves as MQ's blast sample and reports what load tests need: a writer and a
 * reader move every message, the summary lines parse, units of work and CorrelId matching
 * work, and when the queue manager goes away mid-run the sample says how many puts were
 * confirmed, and those are all on the queue afterwards. Method: a running queue manager; the
 * built amqsblst against it; summaries parsed from its output (text and --json).
 */
import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SMALL_LOG_FILE_PAGES, TestNode, commandPath, freePort } from './support.js'

interface TextSummary {
  messages: number
  bytes: number
  elapsedSeconds: number
  messagesPerSecond: number
  megabytesPerSecond: number
  latency: { p50: number; p99: number; p999: number; max: number }
}

function parseSummary(output: string, call: 'put' | 'get'): TextSummary {
  const number = (pattern: RegExp): number => {
    const match = pattern.exec(output)
    expect(match, `${pattern} in\n${output}`).not.toBeNull()
    return Number(match![1])
  }
  const latency = new RegExp(
    `Blast> ${call} latency ms: p50 = ([\\d.]+) p99 = ([\\d.]+) p99\\.9 = ([\\d.]+) max = ([\\d.]+)`,
  ).exec(output)
  expect(latency, output).not.toBeNull()
  return {
    messages: number(/^Blast> messages = (\d+)$/m),
    bytes: number(/^Blast> bytes = (\d+)$/m),
    elapsedSeconds: number(/^Blast> elapsed time = ([\d.]+) S$/m),
    messagesPerSecond: number(/^Blast> rate = ([\d.]+) msgs\/s/m),
    megabytesPerSecond: number(/msgs\/s, ([\d.]+) MB\/s$/m),
    latency: {
      p50: Number(latency![1]),
      p99: Number(latency![2]),
      p999: Number(latency![3]),
      max: Number(latency![4]),
    },
  }
}

describe('amqsblst', () => {
  let node: TestNode

  async function depth(queue: string): Promise<number> {
    const result = await node.run('runmqsc', ['QMB'], {
      input: `DISPLAY QSTATUS(${queue}) CURDEPTH\n`,
    })
    return Number(/CURDEPTH\((\d+)\)/.exec(result.stdout)?.[1])
  }

  beforeAll(async () => {
    node = new TestNode('cli-blast')
    const port = String(await freePort())
    expect((await node.run('crtmqm', ['-p', port, '-lf', SMALL_LOG_FILE_PAGES, 'QMB'])).code).toBe(
      0,
    )
    expect((await node.run('strmqm', ['QMB'])).code).toBe(0)
    const script = 'DEFINE QLOCAL(BLAST) DEFPSIST(YES) MAXDEPTH(100000)\n'
    expect((await node.run('runmqsc', ['QMB'], { input: script })).code).toBe(0)
  })
  afterAll(async () => {
    await node.dispose()
  })

  it('writes and reads a few thousand messages, with parseable summaries', async () => {
    const write = await node.run('amqsblst', [
      'QMB',
      'BLAST',
      '-W',
      '-c',
      '3000',
      '--inflight',
      '16',
    ])
    expect(write.code, write.stdout + write.stderr).toBe(0)
    expect(write.stdout).toContain('Blast> Writing 3000 messages to BLAST on QMB')
    const written = parseSummary(write.stdout, 'put')
    expect(written.messages).toBe(3000)
    expect(written.bytes).toBe(3000 * 1024)
    expect(written.elapsedSeconds).toBeGreaterThan(0)
    expect(written.messagesPerSecond).toBeGreaterThan(0)
    expect(written.megabytesPerSecond).toBeGreaterThan(0)
    expect(written.latency.p50).toBeLessThanOrEqual(written.latency.p99)
    expect(written.latency.p99).toBeLessThanOrEqual(written.latency.max)
    expect(await depth('BLAST')).toBe(3000)

    const read = await node.run('amqsblst', ['QMB', 'BLAST', '-R', '--inflight', '8'])
    expect(read.code, read.stdout + read.stderr).toBe(0)
    const got = parseSummary(read.stdout, 'get')
    expect(got.messages).toBe(3000)
    expect(got.bytes).toBe(3000 * 1024)
    expect(await depth('BLAST')).toBe(0)
  })

  it('units of work, CorrelId and size lists, reported as JSON', async () => {
    const writeArgs = [
      'QMB',
      'BLAST',
      '-W',
      '-c',
      '1000',
      '-u',
      '250',
      '-C',
      'TEST',
      '-s',
      '100,200',
    ]
    const write = await node.run('amqsblst', [...writeArgs, '--json', '--inflight', '4'])
    expect(write.code, write.stdout + write.stderr).toBe(0)
    const written = JSON.parse(write.stdout) as Record<string, unknown>
    expect(written).toMatchObject({
      mode: 'write',
      messages: 1000,
      bytes: 500 * 100 + 500 * 200,
      committedMessages: 1000,
      failure: null,
    })
    const wrongCorrelId = await node.run(
      'amqsblst',
      ['QMB', 'BLAST', '-R', '-C', 'OTHER', '--json'],
      { env: { QMQ_GET_WAIT_MS: '200' } },
    )
    expect(wrongCorrelId.code).toBe(1)
    expect(JSON.parse(wrongCorrelId.stdout)).toMatchObject({
      messages: 0,
      failure: { call: 'MQGET', reason: 2033 },
    })
    const read = await node.run('amqsblst', [
      'QMB',
      'BLAST',
      '-R',
      '-u',
      '250',
      '-C',
      'TEST',
      '--json',
    ])
    expect(read.code, read.stdout + read.stderr).toBe(0)
    expect(JSON.parse(read.stdout)).toMatchObject({
      mode: 'read',
      messages: 1000,
      committedMessages: 1000,
    })
    expect(await depth('BLAST')).toBe(0)
  })

  it('bad arguments are refused with the usage', async () => {
    const both = await node.run('amqsblst', ['QMB', 'BLAST', '-W', '-R'])
    expect(both.code).toBe(36)
    expect(both.stderr).toContain('exactly one of -W and -R')
    expect(both.stderr).toContain('Usage: amqsblst QMgrName QName -W|-R')
    const unknownQueue = await node.run('amqsblst', ['QMB', 'NO.SUCH.Q', '-W', '-c', '5'])
    expect(unknownQueue.code).toBe(1)
    expect(unknownQueue.stdout).toContain('Blast> MQOPEN ended with reason code 2085')
  })

  it('a broken connection: confirmed puts are reported and all of them are kept', async () => {
    const writer = spawn(
      process.execPath,
      [
        commandPath('amqsblst'),
        'QMB',
        'BLAST',
        '-W',
        '-c',
        '100000',
        '--rate',
        '2000',
        '--inflight',
        '8',
      ],
      { env: node.environment, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let output = ''
    writer.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')))
    const exited = new Promise<number>((resolve) =>
      writer.on('close', (code) => resolve(code ?? -1)),
    )
    while ((await depth('BLAST')) < 500) await new Promise((resolve) => setTimeout(resolve, 50))
    expect((await node.run('endmqm', ['-i', 'QMB'])).code).toBe(0)
    expect(await exited).toBe(1)
    const confirmed = Number(/Blast> (\d+) puts confirmed before the failure/.exec(output)?.[1])
    expect(confirmed, output).toBeGreaterThan(0)
    expect(output).toMatch(/Blast> MQPUT ended with reason code (2009|2161|2162|2202)/)
    expect(output).toContain(`Blast> messages = ${confirmed}`)
    expect((await node.run('strmqm', ['QMB'])).code).toBe(0)
    const kept = await depth('BLAST')
    // Confirmed puts are durable; puts in flight at the break may also have been done.
    expect(kept).toBeGreaterThanOrEqual(confirmed)
    expect(kept).toBeLessThanOrEqual(confirmed + 8)
  })
})
