/**
 * Goal: a person who knows IBM MQ can run QuorumMQ's commands as they would MQ's, and they do
 * what MQ's do. Method: one node directory; the built commands run as child processes in the
 * order of a working day: create, start, define (runmqsc from stdin), put (amqsput), browse
 * (amqsbcg), get (amqsget), display (dspmq, DISPLAY QLOCAL/QSTATUS), end, restart with
 * persistent messages kept and non-persistent ones gone, end immediately, delete. Clients find
 * the queue manager through the local node, -x and MQSERVER.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SMALL_LOG_FILE_PAGES, TestNode, freePort, lines, messagesOf, statusOf } from './support.js'

const QUICK_GET = { QMQ_GET_WAIT_MS: '300' }

describe('queue manager lifecycle through the MQ-style commands', () => {
  let node: TestNode
  let port: number

  beforeAll(async () => {
    node = new TestNode('cli-life')
    port = await freePort()
  })
  afterAll(async () => {
    await node.dispose()
  })

  it('crtmqm creates an ended queue manager, starting the node daemon', async () => {
    const created = await node.run('crtmqm', [
      '-p',
      String(port),
      '-lf',
      SMALL_LOG_FILE_PAGES,
      'QM1',
    ])
    expect(created.code).toBe(0)
    expect(created.stdout).toMatch(/QuorumMQ node daemon qmqd started \(pid \d+/)
    expect(created.stdout).toContain('QuorumMQ queue manager created.')
    expect(created.stdout).toContain(`Listener port ${port} assigned to queue manager 'QM1'.`)
    expect(node.daemonPid()).toBeGreaterThan(0)
    const display = await node.run('dspmq')
    expect(display.code).toBe(0)
    expect(lines(display.stdout)).toEqual([
      'QMNAME(QM1)                                               STATUS(Ended immediately)',
    ])
  })

  it('crtmqm without -p picks a free port from 1414 upward and prints it', async () => {
    const created = await node.run('crtmqm', ['-lf', SMALL_LOG_FILE_PAGES, 'QMAUTO'])
    expect(created.code).toBe(0)
    const assigned = /Listener port (\d+) assigned to queue manager 'QMAUTO'\./.exec(created.stdout)
    expect(Number(assigned?.[1])).toBeGreaterThanOrEqual(1414)
    expect((await node.run('dltmqm', ['QMAUTO'])).code).toBe(0)
  })

  it('strmqm starts it: recovery lines, listener, Running', async () => {
    const started = await node.run('strmqm', ['QM1'])
    expect(started.code).toBe(0)
    expect(lines(started.stdout)).toEqual([
      "QuorumMQ queue manager 'QM1' starting.",
      "The queue manager is associated with installation 'QuorumMQ'.",
      "0 log records accessed on queue manager 'QM1' during the log replay phase.",
      "Log replay for queue manager 'QM1' complete.",
      "Transaction manager state recovered for queue manager 'QM1'.",
      `Listener for queue manager 'QM1' started on 127.0.0.1(${port}).`,
      expect.stringMatching(/^QuorumMQ queue manager 'QM1' started using V\d+\.\d+\.\d+\.$/),
    ])
    const all = await node.run('dspmq', ['-m', 'QM1', '-o', 'all'])
    expect(all.stdout).toMatch(
      /^QMNAME\(QM1\) +STATUS\(Running\) DEFAULT\(no\) STANDBY\(Not permitted\) INSTNAME\(QuorumMQ\) INSTPATH\(.+\) INSTVER\(\d+\.\d+\.\d+\) HA\(\) DRROLE\(\)\n$/,
    )
  })

  it('runmqsc reads MQSC from stdin and prints the transcript', async () => {
    const script = [
      "DEFINE QLOCAL(Q1) DEFPSIST(YES) DESCR('persistent')",
      '* a comment, then a continued command',
      'DEFINE QLOCAL(Q2) +',
      '  DEFPSIST(NO)',
    ].join('\n')
    const result = await node.run('runmqsc', ['QM1'], { input: `${script}\n` })
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('Starting MQSC for queue manager QM1.')
    expect(result.stdout).toContain('     1 : DEFINE QLOCAL(Q1)')
    expect(result.stdout).toContain('     2 : DEFINE QLOCAL(Q2)')
    expect(result.stdout).toContain('2 MQSC commands read.')
    expect(result.stdout).toContain('No commands have a syntax error.')
    expect(result.stdout).toContain('All valid MQSC commands were processed.')
  })

  it('amqsput puts one message per line, up to a blank line', async () => {
    const put = await node.run('amqsput', ['Q1', 'QM1'], { input: 'first\nsecond\n\nignored\n' })
    expect(put.code).toBe(0)
    expect(lines(put.stdout)).toEqual([
      'Sample AMQSPUT0 start',
      'target queue is Q1',
      'Sample AMQSPUT0 end',
    ])
    const nonPersistent = await node.run('amqsput', ['Q2', 'QM1'], { input: 'fleeting\n' })
    expect(nonPersistent.code).toBe(0)
  })

  it('amqsbcg browses with message descriptors and a hex dump, leaving the messages', async () => {
    const browse = await node.run('amqsbcg', ['Q1', 'QM1'])
    expect(browse.code).toBe(0)
    const output = browse.stdout
    expect(output).toContain("AMQSBCG0 - starts here\n**********************\n \n MQOPEN - 'Q1'")
    expect(output).toContain(' MQGET of message number 1, CompCode:0 Reason:0')
    expect(output).toContain(' MQGET of message number 2, CompCode:0 Reason:0')
    expect(output).toContain('  Priority : 0  Persistence : 1')
    expect(output).toContain("  Format : 'MQSTR   '")
    expect(output).toMatch(/ {2}MsgId : X'414D5120514D31[0-9A-F]{34}'/)
    expect(output).toMatch(/ {2}PutDate {2}: '\d{8}' {4}PutTime {2}: '\d{8}'/)
    expect(output).toContain(' length - 5 of 5 bytes')
    expect(output).toContain(
      "00000000:  6669 7273 74                            'first           '",
    )
    expect(output).toContain(' No more messages \n MQCLOSE\n MQDISC')
    const status = await node.run('runmqsc', ['QM1'], { input: 'DISPLAY QSTATUS(Q1) CURDEPTH\n' })
    expect(status.stdout).toContain('CURDEPTH(2)')
  })

  it('DISPLAY QLOCAL and QSTATUS show attributes and depths', async () => {
    const input = 'DISPLAY QLOCAL(Q*) DEFPSIST CURDEPTH\nDISPLAY QSTATUS(Q2) CURDEPTH IPPROCS\n'
    const result = await node.run('runmqsc', ['QM1'], { input })
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/QUEUE\(Q1\)[\s\S]*DEFPSIST\(YES\)/)
    expect(result.stdout).toMatch(/QUEUE\(Q2\)[\s\S]*DEFPSIST\(NO\)/)
    expect(result.stdout).toMatch(/QUEUE\(Q2\)[\s\S]*CURDEPTH\(1\)[\s\S]*IPPROCS\(0\)/)
  })

  it('endmqm -w ends it normally; strmqm keeps persistent messages and drops the rest', async () => {
    const ended = await node.run('endmqm', ['-w', 'QM1'])
    expect(ended.code).toBe(0)
    expect(lines(ended.stdout)).toEqual([
      "Waiting for queue manager 'QM1' to end.",
      "QuorumMQ queue manager 'QM1' ended.",
    ])
    expect(statusOf((await node.run('dspmq')).stdout, 'QM1')).toBe('Ended normally')
    expect((await node.run('strmqm', ['QM1'])).code).toBe(0)
    const kept = await node.run('amqsget', ['Q1', 'QM1'], { env: QUICK_GET })
    expect(kept.code).toBe(0)
    expect(messagesOf(kept.stdout)).toEqual(['first', 'second'])
    expect(kept.stdout).toContain('no more messages\nSample AMQSGET0 end')
    const gone = await node.run('amqsget', ['Q2', 'QM1'], { env: QUICK_GET })
    expect(messagesOf(gone.stdout)).toEqual([])
  })

  it('clients find the queue manager through -x and MQSERVER too', async () => {
    const viaList = await node.run('amqsput', ['Q1', '-x', `127.0.0.1(1),127.0.0.1(${port})`], {
      input: 'by connection name\n',
    })
    expect(viaList.code).toBe(0)
    const viaServer = await node.run('amqsget', ['Q1'], {
      env: {
        ...QUICK_GET,
        MQSERVER: `SYSTEM.DEF.SVRCONN/TCP/127.0.0.1(${port})`,
        QMQ_HOME: '/nonexistent',
      },
    })
    expect(messagesOf(viaServer.stdout)).toEqual(['by connection name'])
  })

  it('endmqm (controlled) returns at once; endmqm -i ends immediately; dltmqm deletes', async () => {
    const quiesce = await node.run('endmqm', ['QM1'])
    expect(quiesce.code).toBe(0)
    expect(quiesce.stdout).toContain('Quiesce request accepted.')
    let status = statusOf((await node.run('dspmq')).stdout, 'QM1')
    for (let attempt = 0; attempt < 100 && status !== 'Ended normally'; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      status = statusOf((await node.run('dspmq')).stdout, 'QM1')
    }
    expect(status).toBe('Ended normally')
    expect((await node.run('strmqm', ['QM1'])).code).toBe(0)
    const immediate = await node.run('endmqm', ['-i', 'QM1'])
    expect(immediate.code).toBe(0)
    expect(lines(immediate.stdout)).toEqual([
      "QuorumMQ queue manager 'QM1' ending.",
      "QuorumMQ queue manager 'QM1' ended.",
    ])
    expect(statusOf((await node.run('dspmq')).stdout, 'QM1')).toBe('Ended immediately')
    const deleted = await node.run('dltmqm', ['QM1'])
    expect(deleted.code).toBe(0)
    expect(deleted.stdout).toContain("QuorumMQ queue manager 'QM1' deleted.")
    expect((await node.run('dspmq')).stdout).toBe('')
  })
})
