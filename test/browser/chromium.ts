/**
 * Headless Chromium from Debian's package (/usr/bin/chromium; .ci/run installs it), driven by
 * playwright-core, which never downloads a browser of its own. Each launch gets a fresh
 * user-data-dir; close() ends the browser, then makes sure every process that ran with that
 * directory is gone, killing any left by its pid.
 */
import fs from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'

export const CHROMIUM_PATH = '/usr/bin/chromium'

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export interface Chromium {
  readonly context: BrowserContext
  close(): Promise<void>
}

export async function launchChromium(): Promise<Chromium> {
  const userDataDir = fs.mkdtempSync(join(os.tmpdir(), 'qmq-chromium-'))
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1200, height: 900 },
  })
  return {
    context,
    async close() {
      await context.close()
      for (const pid of processesUsing(userDataDir)) {
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // Gone between the listing and the kill.
        }
      }
      fs.rmSync(userDataDir, { recursive: true, force: true })
    },
  }
}

/** Pids whose command line names the directory (the browser and its helpers). */
function processesUsing(directory: string): number[] {
  const pids: number[] = []
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const commandLine = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8')
      if (commandLine.includes(directory)) pids.push(Number(entry))
    } catch {
      // The process ended while we looked.
    }
  }
  return pids
}
