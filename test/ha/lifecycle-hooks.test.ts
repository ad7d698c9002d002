/**
 * Goal: lifecycle hooks run in order with the queue manager, role and epoch, once per change;
 * the floating address is added as primary and deleted otherwise (as root), before the hooks;
 * a hook that fails or hangs is logged and the next change still runs.
 * Method: HookRunner with an injected runner recording commands; real hook files in a temporary
 * directory for the discovery (executables only, dot files skipped) and one real process run
 * with a short timeout.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  HookRunner,
  hookCommands,
  hookFiles,
  runProcess,
  type HookCommand,
} from '../../src/ha/lifecycle-hooks.js'
import { rootLogger } from '../../src/log.js'
import { temporaryDirectory } from '../support/temporary-directory.js'

const logger = rootLogger()

describe('lifecycle hooks', () => {
  it('finds executables in name order, skipping dot files and plain files', () => {
    const home = temporaryDirectory('hooks').path
    const hooks = join(home, 'hooks')
    fs.mkdirSync(hooks)
    fs.writeFileSync(join(hooks, 'b-second'), '#!/bin/sh\n', { mode: 0o755 })
    fs.writeFileSync(join(hooks, 'a-first'), '#!/bin/sh\n', { mode: 0o700 })
    fs.writeFileSync(join(hooks, '.hidden'), '#!/bin/sh\n', { mode: 0o755 })
    fs.writeFileSync(join(hooks, 'notes.txt'), 'not a hook', { mode: 0o644 })
    expect(hookFiles(hooks)).toEqual([join(hooks, 'a-first'), join(hooks, 'b-second')])
    expect(hookFiles(join(home, 'missing'))).toEqual([])
  })

  it('builds the floating-address command first, then each hook with its arguments', () => {
    const call = {
      queueManager: 'QM1',
      node: 'a',
      role: 'primary' as const,
      previousRole: 'secondary' as const,
      epoch: 7,
      floating: { address: '10.0.0.9', interface: 'eth1' },
    }
    const commands = hookCommands(call, '/home', ['/home/hooks/x'], true)
    expect(commands[0]!.args).toEqual(['addr', 'add', '10.0.0.9/32', 'dev', 'eth1'])
    expect(commands[1]).toMatchObject({ file: '/home/hooks/x', args: ['QM1', 'primary', '7'] })
    expect(commands[1]!.env).toMatchObject({
      QMQ_HOOK_ROLE: 'primary',
      QMQ_HOOK_PREVIOUS_ROLE: 'secondary',
      QMQ_HOOK_EPOCH: '7',
      QMQ_FLOATING_IP: '10.0.0.9',
    })
    const ended = hookCommands({ ...call, role: 'ended' }, '/home', [], true)
    expect(ended[0]!.args[1]).toBe('del')
    expect(hookCommands(call, '/home', [], false)).toEqual([])
  })

  it('runs calls in order, drops repeats, and survives failing hooks', async () => {
    const home = temporaryDirectory('hooks').path
    fs.mkdirSync(join(home, 'hooks'))
    fs.writeFileSync(join(home, 'hooks', 'h'), '#!/bin/sh\n', { mode: 0o755 })
    const seen: string[] = []
    let calls = 0
    const run = async (command: HookCommand) => {
      seen.push(command.args.join(' '))
      calls++
      if (calls === 1) throw new Error('spawn failed')
      return { code: calls === 2 ? 3 : 0, timedOut: false, output: '' }
    }
    const runner = new HookRunner(home, logger, run, 1000, false)
    const base = { queueManager: 'QM1', node: 'a', floating: undefined }
    runner.changed({ ...base, role: 'secondary', epoch: 0 })
    runner.changed({ ...base, role: 'secondary', epoch: 1 })
    runner.changed({ ...base, role: 'primary', epoch: 2 })
    runner.changed({ ...base, role: 'secondary', epoch: 3 })
    runner.changed({ ...base, role: 'ended', epoch: 3 })
    await runner.idle()
    expect(seen).toEqual(['QM1 secondary 0', 'QM1 primary 2', 'QM1 secondary 3', 'QM1 ended 3'])
  })

  it('kills a hook past its timeout and reports it', async () => {
    const outcome = await runProcess({ file: 'sleep', args: ['5'], env: {} }, 100)
    expect(outcome.timedOut).toBe(true)
    expect(outcome.code).not.toBe(0)
    const fine = await runProcess(
      { file: 'sh', args: ['-c', 'echo "$X"'], env: { X: 'yes' } },
      5000,
    )
    expect(fine).toEqual({ code: 0, timedOut: false, output: 'yes' })
  })
})
