/**
 * Goal: qmqd runs as a service should: in the foreground until SIGTERM, which ends its queue
 * managers cleanly; one per node directory; a restart does not start queue managers by itself
 * (strmqm does, as in MQ); a daemon killed with its queue manager running leaves it "Ended
 * unexpectedly" with persistent messages recovered at the next strmqm; its control socket
 * answers any command and survives garbage; it stops itself when its node directory goes.
 * Method: real processes, each stopped by its pid; nothing is found or killed by name.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import {
  SMALL_LOG_FILE_PAGES,
  TestNode,
  alive,
  commandPath,
  exited,
  freePort,
  messagesOf,
  statusOf,
} from './support.js'

const QUICK_GET = { QMQ_GET_WAIT_MS: '300' }

async function waitForDaemon(node: TestNode): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if ((await node.run('qmqd', ['status'])).code === 0) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error('qmqd did not answer')
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode)
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)))
}

describe('the node daemon qmqd', () => {
  const node = new TestNode('cli-qmqd')
  let foreground: ChildProcess | undefined

  afterEach(async () => {
    if (foreground?.pid !== undefined && alive(foreground.pid)) {
      foreground.kill('SIGKILL')
      await exitOf(foreground)
    }
    foreground = undefined
  })
  afterAll(async () => {
    await node.dispose()
  })

  it('runs in the foreground and ends its queue managers cleanly on SIGTERM', async () => {
    foreground = spawn(process.execPath, [commandPath('qmqd'), 'run'], {
      env: node.environment,
      stdio: 'ignore',
    })
    await waitForDaemon(node)
    expect(node.daemonPid()).toBe(foreground.pid)
    const second = await node.run('qmqd', ['run'])
    expect(second.code).toBe(71)
    expect(second.stderr).toContain(`AMQ8990E: A QuorumMQ node daemon (pid ${foreground.pid})`)
    const port = String(await freePort())
    const created = await node.run('crtmqm', ['-p', port, '-lf', SMALL_LOG_FILE_PAGES, 'QMD'])
    expect(created.stdout).not.toContain('qmqd started')
    expect((await node.run('strmqm', ['QMD'])).code).toBe(0)
    const define = 'DEFINE QLOCAL(KEEP) DEFPSIST(YES)\n'
    expect((await node.run('runmqsc', ['QMD'], { input: define })).code).toBe(0)
    expect((await node.run('amqsput', ['KEEP', 'QMD'], { input: 'before sigterm\n' })).code).toBe(0)
    foreground.kill('SIGTERM')
    expect(await exitOf(foreground)).toBe(0)
    expect(fs.existsSync(join(node.home, 'qmqd.pid'))).toBe(false)
    expect(fs.existsSync(join(node.home, 'qmqd.sock'))).toBe(false)
    const offline = await node.run('dspmq')
    expect(statusOf(offline.stdout, 'QMD')).toBe('Ended immediately')
  })

  it('does not start queue managers by itself after a restart; strmqm does', async () => {
    const started = await node.run('qmqd', ['start'])
    expect(started.code).toBe(0)
    expect(started.stdout).toMatch(/qmqd started \(pid \d+/)
    expect(statusOf((await node.run('dspmq')).stdout, 'QMD')).toBe('Ended immediately')
    expect((await node.run('strmqm', ['QMD'])).code).toBe(0)
    const got = await node.run('amqsget', ['KEEP', 'QMD'], { env: QUICK_GET })
    expect(messagesOf(got.stdout)).toEqual(['before sigterm'])
    expect((await node.run('amqsput', ['KEEP', 'QMD'], { input: 'before kill\n' })).code).toBe(0)
  })

  it('after kill -9 the queue manager shows Ended unexpectedly and recovers', async () => {
    const pid = node.daemonPid()!
    process.kill(pid, 'SIGKILL')
    expect(await exited(pid, 10_000)).toBe(true)
    expect(statusOf((await node.run('dspmq')).stdout, 'QMD')).toBe('Ended unexpectedly')
    const restarted = await node.run('strmqm', ['QMD'])
    expect(restarted.code, restarted.stderr).toBe(0)
    expect(restarted.stdout).toMatch(/qmqd started \(pid \d+/)
    expect(restarted.stdout).toMatch(/[1-9]\d* log records accessed on queue manager 'QMD'/)
    const got = await node.run('amqsget', ['KEEP', 'QMD'], { env: QUICK_GET })
    expect(messagesOf(got.stdout)).toEqual(['before kill'])
  })

  it('answers any command on its control socket and survives malformed requests', async () => {
    const unknown = await node.run('qmqd', ['send', 'frobnicate'])
    expect(unknown.code).toBe(20)
    expect(unknown.stdout).toContain("unknown command 'frobnicate'")
    const display = await node.run('qmqd', ['send', 'dspmq', '{"output":"all"}'])
    expect(display.code).toBe(0)
    const response = JSON.parse(display.stdout) as { data: { name: string; status: string }[] }
    expect(response.data).toEqual([expect.objectContaining({ name: 'QMD', status: 'Running' })])
    const answers = await new Promise<string>((resolve, reject) => {
      const socket = net.createConnection(join(node.home, 'qmqd.sock'))
      let text = ''
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8')
        if (text.split('\n').length > 3) socket.end()
      })
      socket.on('end', () => resolve(text))
      socket.on('error', reject)
      socket.write('not json\n{"id":5}\n{"id":6,"command":"ping"}\n')
    })
    const replies = answers
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: number; exitCode: number })
    expect(replies.map((reply) => [reply.id, reply.exitCode]).sort()).toEqual([
      [0, 20],
      [5, 20],
      [6, 0],
    ])
    expect((await node.run('qmqd', ['status'])).code).toBe(0)
  })

  it('stops itself when its node directory is deleted', async () => {
    const doomed = new TestNode('cli-doom')
    try {
      expect((await doomed.run('qmqd', ['start'])).code).toBe(0)
      const pid = doomed.daemonPid()!
      fs.rmSync(doomed.home, { recursive: true, force: true })
      expect(await exited(pid, 20_000)).toBe(true)
    } finally {
      const pid = doomed.daemonPid()
      if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL')
      await doomed.dispose()
    }
  })
})
