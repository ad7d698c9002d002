/**
 * Goal: the commands take the MQ options an administrator types, and say precisely what they do
 * not support: -h/--help on every command; crtmqm -q (default queue manager, used by commands
 * given no name), -u (dead-letter queue recorded and passed on), -c, -z, --listener-host;
 * endmqm -p; qmqd stop refusing while queue managers run and -f naming each one it ends; a
 * background daemon start that fails says why.
 * Method: the built commands in their own node directory, each daemon stopped by its pid.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { SMALL_LOG_FILE_PAGES, TestNode, freePort, lines, statusOf } from './support.js'

const COMMANDS = [
  'crtmqm',
  'strmqm',
  'endmqm',
  'dltmqm',
  'dspmq',
  'runmqsc',
  'amqsput',
  'amqsget',
  'amqsbcg',
  'amqsblst',
  'qmqd',
]

describe('command options', () => {
  const node = new TestNode('cli-opt')
  afterAll(async () => {
    await node.dispose()
  })

  it('prints usage with exit 0 for -h, -? and --help on every command', async () => {
    const asks: [string, string][] = COMMANDS.map((command) => [command, '-h'])
    asks.push(['crtmqm', '--help'], ['crtmqm', '-?'], ['qmqd', '--help'], ['amqsblst', '-?'])
    for (const [command, flag] of asks) {
      const result = await node.run(command, [flag])
      expect(result.code, `${command} ${flag}: ${result.stderr}`).toBe(0)
      expect(result.stdout.startsWith(`Usage: ${command}`), `${command} ${flag}`).toBe(true)
    }
    // None of them needed a daemon for that.
    expect(node.daemonPid()).toBeUndefined()
  })

  it('crtmqm -q -u -c: a default queue manager with its dead-letter queue', async () => {
    const port = String(await freePort())
    const words = ['-q', '-u', 'SYSTEM.DEAD.LETTER.QUEUE', '-c', 'test queue manager']
    const created = await node.run('crtmqm', [
      ...words,
      '-p',
      port,
      '-lf',
      SMALL_LOG_FILE_PAGES,
      'QMO',
    ])
    expect(created.code, created.stderr).toBe(0)
    const config = JSON.parse(
      fs.readFileSync(join(node.home, 'qmgrs', 'QMO', 'qmgr.json'), 'utf8'),
    ) as Record<string, unknown>
    expect(config).toMatchObject({
      deadLetterQueue: 'SYSTEM.DEAD.LETTER.QUEUE',
      description: 'test queue manager',
      host: '127.0.0.1',
    })
    const other = await node.run('crtmqm', [
      '-p',
      String(await freePort()),
      '-lf',
      SMALL_LOG_FILE_PAGES,
      'QMP',
    ])
    expect(other.code, other.stderr).toBe(0)
    // Without a name, strmqm, runmqsc and endmqm use the default, not the other one.
    expect((await node.run('strmqm')).stdout).toContain("queue manager 'QMO' started")
    const display = await node.run('runmqsc', [], { input: 'DISPLAY QMGR QMNAME\n' })
    expect(display.stdout).toContain('QMNAME(QMO)')
    const all = lines((await node.run('dspmq', ['-o', 'all'])).stdout)
    expect(all.find((line) => line.startsWith('QMNAME(QMO)'))).toContain('DEFAULT(yes)')
    expect(all.find((line) => line.startsWith('QMNAME(QMP)'))).toContain('DEFAULT(no)')
    const data = await node.run('qmqd', ['send', 'dspmq'])
    expect(JSON.parse(data.stdout).data).toContainEqual(
      expect.objectContaining({ name: 'QMO', deadLetterQueue: 'SYSTEM.DEAD.LETTER.QUEUE' }),
    )
    const ended = await node.run('endmqm', ['-p'])
    expect(ended.code, ended.stderr).toBe(0)
    expect(ended.stdout).toContain("queue manager 'QMO' ended")
    expect(statusOf((await node.run('dspmq')).stdout, 'QMO')).toBe('Ended immediately')
  })

  it('refuses MQ options it does not support, naming the option and why', async () => {
    const cases: [string, string[], string][] = [
      ['crtmqm', ['-ll', 'QMX'], "Option '-ll' of crtmqm"],
      ['crtmqm', ['-h', '256', 'QMX'], "Option '-h' of crtmqm"],
      ['crtmqm', ['-fs', '3072M', 'QMX'], 'there is no volume to size'],
      ['strmqm', ['-ns', 'QMO'], "Option '-ns' of strmqm"],
      ['endmqm', ['-s', 'QMO'], "Option '-s' of endmqm"],
    ]
    for (const [command, words, expected] of cases) {
      const result = await node.run(command, words)
      expect(result.code, `${command} ${words.join(' ')}`).toBe(36)
      expect(result.stderr).toContain('AMQ8993E')
      expect(result.stderr).toContain(expected)
    }
    expect(fs.existsSync(join(node.home, 'qmgrs', 'QMX'))).toBe(false)
  })

  it('-z suppresses error messages; the exit code still tells', async () => {
    const again = await node.run('crtmqm', ['-z', 'QMO'])
    expect(again.code).toBe(8)
    expect(again.stderr).toBe('')
    const missing = await node.run('strmqm', ['-z', 'NOSUCH'])
    expect(missing.code).toBe(16)
    expect(missing.stderr).toBe('')
    const loud = await node.run('strmqm', ['NOSUCH'])
    expect(loud.stderr).toContain('AMQ8118E')
  })

  it('--listener-host sets the listener address, over QMQ_LISTENER_HOST', async () => {
    const port = String(await freePort())
    const env = { QMQ_LISTENER_HOST: '0.0.0.0' }
    const words = ['--listener-host', 'localhost', '-p', port, '-lf', SMALL_LOG_FILE_PAGES, 'QMH']
    expect((await node.run('crtmqm', words, { env })).code).toBe(0)
    const config = JSON.parse(
      fs.readFileSync(join(node.home, 'qmgrs', 'QMH', 'qmgr.json'), 'utf8'),
    ) as Record<string, unknown>
    expect(config['host']).toBe('localhost')
    expect((await node.run('dltmqm', ['QMH'])).code).toBe(0)
  })

  it('qmqd stop refuses while queue managers run and names them; -f ends each, naming it', async () => {
    expect((await node.run('strmqm', ['QMO'])).code).toBe(0)
    expect((await node.run('strmqm', ['QMP'])).code).toBe(0)
    const pid = node.daemonPid()
    const refused = await node.run('qmqd', ['stop'])
    expect(refused.code).toBe(5)
    expect(refused.stderr).toContain(
      "AMQ8994E: qmqd not stopped: queue managers still running: 'QMO', 'QMP'",
    )
    expect(node.daemonPid()).toBe(pid)
    expect(statusOf((await node.run('dspmq')).stdout, 'QMO')).toBe('Running')
    const forced = await node.run('qmqd', ['stop', '-f'])
    expect(forced.code, forced.stderr).toBe(0)
    for (const name of ['QMO', 'QMP']) {
      expect(forced.stdout).toContain(`QuorumMQ queue manager '${name}' ending.`)
      expect(forced.stdout).toContain(`QuorumMQ queue manager '${name}' ended.`)
    }
    expect(forced.stdout).toContain(`qmqd (pid ${pid}) stopped`)
  })

  it('dltmqm of the default queue manager removes the default', async () => {
    expect((await node.run('dltmqm', ['QMO'])).code).toBe(0)
    const nodeConfig = JSON.parse(fs.readFileSync(join(node.home, 'node.json'), 'utf8')) as object
    expect(nodeConfig).not.toHaveProperty('defaultQueueManager')
  })

  it('a background daemon that cannot start says why, from the daemon itself', async () => {
    const broken = new TestNode('cli-brk')
    try {
      // qmgrs must be a directory: the daemon fails creating it.
      fs.writeFileSync(join(broken.home, 'qmgrs'), 'not a directory')
      const result = await broken.run('strmqm', ['QM1'])
      expect(result.code).toBe(71)
      expect(result.stderr).toContain('AMQ8989E')
      expect(result.stderr).toContain('it could not start: EEXIST')
    } finally {
      await broken.dispose()
    }
  })
})
