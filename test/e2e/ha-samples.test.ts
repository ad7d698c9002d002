/**
 * Goal: amqsphac and amqsghac show a failover as MQ's samples do: each prints the reconnect
 * events, the put sample's numbers go on with no gap, and the get sample receives every number
 * put exactly once, in order, across a kill -9 and restart of the queue manager. -h prints
 * their usage.
 * Method: a single qmqd on loopback (TestNode); both samples as real processes with -x, stopped
 * by their pids with SIGINT (their Ctrl-C), the daemon by its pid.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SMALL_LOG_FILE_PAGES, TestNode, commandPath, freePort } from '../cli/support.js'

class Sample {
  output = ''
  readonly exited: Promise<number | null>
  readonly child: ChildProcess

  constructor(command: string, words: readonly string[], env: Record<string, string>) {
    this.child = spawn(process.execPath, [commandPath(command), ...words], { env })
    this.child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')))
    this.child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')))
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)))
  }

  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!pattern.test(this.output)) {
      if (Date.now() > deadline) throw new Error(`no ${String(pattern)} in:\n${this.output}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  async interrupt(): Promise<number | null> {
    if (this.child.exitCode === null) process.kill(this.child.pid!, 'SIGINT')
    return this.exited
  }

  numbers(): number[] {
    return [...this.output.matchAll(/^message <Message (\d+)>$/gm)].map((match) => Number(match[1]))
  }
}

describe('amqsphac and amqsghac across a failover', () => {
  let node: TestNode
  const samples: Sample[] = []

  beforeEach(() => {
    node = new TestNode('hac')
  })

  afterEach(async () => {
    for (const sample of samples.splice(0)) {
      if (sample.child.exitCode === null) process.kill(sample.child.pid!, 'SIGKILL')
      await sample.exited
    }
    await node.dispose()
  })

  it('prints usage with -h', async () => {
    for (const command of ['amqsphac', 'amqsghac']) {
      const help = await node.run(command, ['-h'])
      expect(help.code).toBe(0)
      expect(help.stdout).toContain(`Usage: ${command} QName [QMgrName] [-x ConnName`)
    }
  })

  it('numbers go on with no gap, each received once, events printed', async () => {
    const port = await freePort()
    const created = await node.run('crtmqm', [
      '-p',
      String(port),
      '-lf',
      SMALL_LOG_FILE_PAGES,
      'QMH',
    ])
    expect(created.code, created.stderr).toBe(0)
    expect((await node.run('strmqm', ['QMH'])).code).toBe(0)
    const define = 'DEFINE QLOCAL(SOURCE) DEFPSIST(YES)\n'
    expect((await node.run('runmqsc', ['QMH'], { input: define })).code).toBe(0)
    const connName = `127.0.0.1(${port})`
    const getter = new Sample('amqsghac', ['SOURCE', 'QMH', '-x', connName], node.environment)
    const putter = new Sample('amqsphac', ['SOURCE', 'QMH', '-x', connName], node.environment)
    samples.push(getter, putter)
    await getter.waitFor(/message <Message 2>/)
    process.kill(node.daemonPid()!, 'SIGKILL')
    const restarted = await node.run('strmqm', ['QMH'])
    expect(restarted.code, restarted.stdout + restarted.stderr).toBe(0)
    for (const sample of [putter, getter]) {
      await sample.waitFor(/EVENT : Connection Reconnecting \(2544/)
      await sample.waitFor(/EVENT : Connection Reconnected \(2545\)/)
    }
    const after = Math.max(...putter.numbers()) + 2
    await getter.waitFor(new RegExp(`message <Message ${after}>`))
    expect(await putter.interrupt()).toBe(0)
    const last = Math.max(...putter.numbers())
    await getter.waitFor(new RegExp(`message <Message ${last}>`))
    expect(await getter.interrupt()).toBe(0)
    const expected = Array.from({ length: last }, (_, index) => index + 1)
    expect(putter.numbers()).toEqual(expected)
    expect(getter.numbers()).toEqual(expected)
    expect(putter.output).toMatch(/^Sample AMQSPHAC start\ntarget queue is SOURCE\n/)
    expect(putter.output).toMatch(/Sample AMQSPHAC end\n$/)
    expect(getter.output).toMatch(/Sample AMQSGHAC end\n$/)
  }, 180_000)
})
