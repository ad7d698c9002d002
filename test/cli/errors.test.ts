/**
 * Goal: bad input is answered as MQ answers it (the reason code, or an AMQ message with MQ's
 * exit code) and does no damage: the queue manager keeps running and its queues keep their
 * messages. Method: one running queue manager in its own node directory; each case runs the
 * built command, checks the answer, then checks the state is as before.
 */
import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SMALL_LOG_FILE_PAGES, TestNode, freePort, lines, messagesOf, statusOf } from './support.js'

const QUICK_GET = { QMQ_GET_WAIT_MS: '200' }

describe('bad input to the commands', () => {
  let node: TestNode
  let port: number

  async function depth(queue: string): Promise<number> {
    const result = await node.run('runmqsc', ['QM1'], {
      input: `DISPLAY QSTATUS(${queue}) CURDEPTH\n`,
    })
    return Number(/CURDEPTH\((\d+)\)/.exec(result.stdout)?.[1])
  }

  async function expectRunning(): Promise<void> {
    expect(statusOf((await node.run('dspmq')).stdout, 'QM1')).toBe('Running')
  }

  beforeAll(async () => {
    node = new TestNode('cli-err')
    port = await freePort()
    expect(
      (await node.run('crtmqm', ['-p', String(port), '-lf', SMALL_LOG_FILE_PAGES, 'QM1'])).code,
    ).toBe(0)
    expect((await node.run('strmqm', ['QM1'])).code).toBe(0)
    const script = [
      'DEFINE QLOCAL(SMALL) MAXMSGL(10)',
      'DEFINE QLOCAL(FULL) MAXDEPTH(2)',
      'DEFINE QLOCAL(NOPUT) PUT(DISABLED)',
      'DEFINE QLOCAL(NOGET)',
    ].join('\n')
    expect((await node.run('runmqsc', ['QM1'], { input: script })).code).toBe(0)
  })
  afterAll(async () => {
    await node.dispose()
  })

  it('an unknown queue manager: AMQ8118E (16), AMQ7048E (72), MQCONNX 2058', async () => {
    for (const command of ['strmqm', 'endmqm', 'dltmqm']) {
      const result = await node.run(command, ['NOSUCHQM'])
      expect(result.code).toBe(16)
      expect(result.stderr).toBe('AMQ8118E: QuorumMQ queue manager does not exist.\n')
    }
    const display = await node.run('dspmq', ['-m', 'NOSUCHQM'])
    expect(display.code).toBe(72)
    expect(display.stderr).toContain('AMQ7048E')
    const mqsc = await node.run('runmqsc', ['NOSUCHQM'], { input: 'DISPLAY QMGR\n' })
    expect(mqsc.code).toBe(20)
    expect(mqsc.stderr).toContain('AMQ8118E')
    const put = await node.run('amqsput', ['Q', 'NOSUCHQM'], { input: 'x\n' })
    expect(put.code).not.toBe(0)
    expect(put.stdout).toContain('MQCONNX ended with reason code 2058')
  })

  it('an unknown queue: 2085 from amqsput, amqsget and amqsbcg', async () => {
    const put = await node.run('amqsput', ['NO.SUCH.Q', 'QM1'], { input: 'x\n' })
    expect(put.code).toBe(1)
    expect(lines(put.stdout)).toEqual([
      'Sample AMQSPUT0 start',
      'target queue is NO.SUCH.Q',
      'MQOPEN ended with reason code 2085',
      'unable to open queue for output',
      'Sample AMQSPUT0 end',
    ])
    const get = await node.run('amqsget', ['NO.SUCH.Q', 'QM1'], { env: QUICK_GET })
    expect(get.stdout).toContain('MQOPEN ended with reason code 2085')
    const browse = await node.run('amqsbcg', ['NO.SUCH.Q', 'QM1'])
    expect(browse.stdout).toContain('MQOPEN failed with CompCode:2, Reason:2085')
    await expectRunning()
  })

  it('a message over MAXMSGL: 2030, nothing put', async () => {
    const put = await node.run('amqsput', ['SMALL', 'QM1'], {
      input: 'short\nthis is longer than ten\n',
    })
    expect(put.code).toBe(1)
    expect(put.stdout).toContain('MQPUT ended with reason code 2030')
    expect(await depth('SMALL')).toBe(1)
  })

  it('a full queue: 2053 on the put past MAXDEPTH, the others kept', async () => {
    const put = await node.run('amqsput', ['FULL', 'QM1'], { input: 'one\ntwo\nthree\n' })
    expect(put.code).toBe(1)
    expect(put.stdout).toContain('MQPUT ended with reason code 2053')
    expect(await depth('FULL')).toBe(2)
  })

  it('put and get inhibited: 2051 and 2016, messages untouched', async () => {
    const put = await node.run('amqsput', ['NOPUT', 'QM1'], { input: 'x\n' })
    expect(put.stdout).toContain('MQPUT ended with reason code 2051')
    expect(await depth('NOPUT')).toBe(0)
    expect((await node.run('amqsput', ['NOGET', 'QM1'], { input: 'kept\n' })).code).toBe(0)
    const alter = await node.run('runmqsc', ['QM1'], {
      input: 'ALTER QLOCAL(NOGET) GET(DISABLED)\n',
    })
    expect(alter.code).toBe(0)
    const get = await node.run('amqsget', ['NOGET', 'QM1'], { env: QUICK_GET })
    expect(get.code).toBe(1)
    expect(get.stdout).toContain('MQGET ended with reason code 2016')
    expect(await depth('NOGET')).toBe(1)
  })

  it('malformed MQSC: syntax errors reported, exit 10, the rest of the script runs', async () => {
    const input = 'DEFINE QLOCAL(\nFROB QLOCAL(X)\nDEFINE QLOCAL(AFTER.ERRORS)\n'
    const result = await node.run('runmqsc', ['QM1'], { input })
    expect(result.code).toBe(10)
    expect(result.stdout).toContain('3 MQSC commands read.')
    expect(result.stdout).toContain('2 commands have a syntax error.')
    expect(result.stdout).toContain('AMQ8006I')
    await expectRunning()
  })

  it('strmqm of a running queue manager: AMQ8980E, exit 5, still running', async () => {
    const result = await node.run('strmqm', ['QM1'])
    expect(result.code).toBe(5)
    expect(result.stderr).toContain("AMQ8980E: QuorumMQ queue manager 'QM1' running.")
    await expectRunning()
  })

  it('dltmqm of a running queue manager: refused, exit 5, nothing deleted', async () => {
    const result = await node.run('dltmqm', ['QM1'])
    expect(result.code).toBe(5)
    expect(result.stderr).toContain('AMQ8981E')
    expect(result.stderr).toContain('end it with endmqm before deleting it')
    await expectRunning()
    expect(await depth('FULL')).toBe(2)
  })

  it('crtmqm mistakes: existing name (8), bad name (72), bad port or -lf (36), usage (36)', async () => {
    const existing = await node.run('crtmqm', ['QM1'])
    expect([existing.code, existing.stderr]).toEqual([
      8,
      'AMQ8110E: QuorumMQ queue manager already exists.\n',
    ])
    const badName = await node.run('crtmqm', ['bad/name'])
    expect(badName.code).toBe(72)
    const badPort = await node.run('crtmqm', ['-p', '70000', 'QMX'])
    expect([badPort.code, badPort.stderr]).toEqual([
      36,
      "AMQ8984E: Port '70000' is not valid: use 1 to 65535.\n",
    ])
    const taken = await node.run('crtmqm', ['-p', String(port), 'QMX'])
    expect(taken.code).toBe(36)
    expect(taken.stderr).toContain(`Port ${port} is already assigned to queue manager 'QM1'`)
    const smallLog = await node.run('crtmqm', ['-lf', '16', 'QMX'])
    expect(smallLog.code).toBe(36)
    expect(smallLog.stderr).toContain("AMQ8987E: Log file pages '16' not valid: use 2049 to 65535")
    const usage = await node.run('crtmqm', [])
    expect(usage.code).toBe(36)
    expect(usage.stderr).toContain('AMQ7024E')
    expect(usage.stderr).toContain('Usage: crtmqm')
    expect(lines((await node.run('dspmq')).stdout)).toHaveLength(1)
  })

  it('a port in use: strmqm fails with AMQ9218E and works once the port is free', async () => {
    const busyPort = await freePort()
    expect(
      (await node.run('crtmqm', ['-p', String(busyPort), '-lf', SMALL_LOG_FILE_PAGES, 'QMPORT']))
        .code,
    ).toBe(0)
    const blocker = net.createServer()
    await new Promise<void>((resolve) =>
      blocker.listen({ host: '127.0.0.1', port: busyPort }, resolve),
    )
    try {
      const refused = await node.run('strmqm', ['QMPORT'])
      expect(refused.code).toBe(71)
      expect(refused.stderr).toContain(
        `AMQ9218E: The TCP/IP listener could not bind to port number ${busyPort}`,
      )
      expect(statusOf((await node.run('dspmq')).stdout, 'QMPORT')).toBe('Ended immediately')
    } finally {
      await new Promise((resolve) => blocker.close(resolve))
    }
    expect((await node.run('strmqm', ['QMPORT'])).code).toBe(0)
    expect((await node.run('endmqm', ['-i', 'QMPORT'])).code).toBe(0)
    expect((await node.run('dltmqm', ['QMPORT'])).code).toBe(0)
  })

  it('an ended queue manager: endmqm 40, runmqsc AMQ8146E (20), clients 2059', async () => {
    expect((await node.run('crtmqm', ['-lf', SMALL_LOG_FILE_PAGES, 'QMIDLE'])).code).toBe(0)
    const end = await node.run('endmqm', ['QMIDLE'])
    expect([end.code, end.stderr]).toEqual([
      40,
      "AMQ8982E: QuorumMQ queue manager 'QMIDLE' not running.\n",
    ])
    const mqsc = await node.run('runmqsc', ['QMIDLE'], { input: 'DISPLAY QMGR\n' })
    expect([mqsc.code, mqsc.stderr]).toEqual([
      20,
      'AMQ8146E: QuorumMQ queue manager not available.\n',
    ])
    const get = await node.run('amqsget', ['Q', 'QMIDLE'], { env: QUICK_GET })
    expect(get.stdout).toContain('MQCONNX ended with reason code 2059')
    expect((await node.run('dltmqm', ['QMIDLE'])).code).toBe(0)
  })

  it('after all of it the queue manager still serves', async () => {
    await expectRunning()
    expect((await node.run('amqsput', ['FULL', 'QM1'], { input: 'x\n' })).code).toBe(1)
    const got = await node.run('amqsget', ['FULL', 'QM1'], { env: QUICK_GET })
    expect(messagesOf(got.stdout)).toEqual(['one', 'two'])
  })
})
