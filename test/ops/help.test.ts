/**
 * Goal: every command the package installs (package.json bin) and the demo answer -h and
 * --help with their usage and exit 0, doing nothing else (no daemon started, nothing created
 * in QMQ_HOME). Method: run each built command in an empty node directory.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { packageRoot } from '../../src/runtime/package-root.js'
import { TestNode } from '../cli/support.js'

const bins = (
  JSON.parse(fs.readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
    bin: Record<string, string>
  }
).bin

describe('-h and --help everywhere', () => {
  const node = new TestNode('help')
  afterAll(async () => {
    await node.dispose()
  })
  const entries = [...Object.entries(bins), ['demo', 'dist/src/cli/demo.js']] as const

  it.each(entries)('%s', (name, file) => {
    for (const flag of ['-h', '--help']) {
      const run = spawnSync(process.execPath, [join(packageRoot, file), flag], {
        env: node.environment,
        encoding: 'utf8',
        timeout: 30_000,
      })
      expect(run.status, `${name} ${flag}: ${run.stderr}`).toBe(0)
      expect(run.stdout, `${name} ${flag}`).toMatch(/usage/i)
    }
    expect(fs.readdirSync(node.home), name).toEqual([])
  })
})
