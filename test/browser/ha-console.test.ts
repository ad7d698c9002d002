/**
 * Goal: the web console shows a real HA group as it is and acts on it. Method: three qmqd on
 * 127.0.0.1..3 (test/ha/ha-nodes.ts), each serving its console and metrics, built with the
 * commands (rdqmadm -c, crtmqm -sx, strmqm). Headless Chromium opens the console of a node that
 * is not the primary: the page must show the three nodes and name the primary rdqmstatus names.
 * The primary's qmqd is killed with -9 (by its pid): the move of the primary must appear on the
 * page's timeline, rdqmstatus must name the same new primary, and the node's metrics must count
 * the failover. Then "Make preferred" on the other surviving node, through the page's button
 * and confirmation, must move the queue manager there (checked with rdqmstatus). Screenshots go
 * to test-artifacts/browser/ (gitignored). Every daemon is stopped by its pid.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packageRoot } from '../../src/runtime/package-root.js'
import { exited, freePort } from '../cli/support.js'
import {
  HA_NODES,
  HaTestNode,
  groupPorts,
  rdqmIni,
  statusFields,
  type HaNodeName,
} from '../ha/ha-nodes.js'
import { CHROMIUM_PATH, launchChromium, type Chromium } from './chromium.js'

const QM = 'HAC'
const ARTIFACTS = join(packageRoot, 'test-artifacts', 'browser')
const available = fs.existsSync(CHROMIUM_PATH)
const nodes = new Map(HA_NODES.map((name) => [name, new HaTestNode(name)]))
const node = (name: HaNodeName): HaTestNode => nodes.get(name)!
const consolePorts = new Map<HaNodeName, number>()
const metricsPorts = new Map<HaNodeName, number>()

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })
}

/** rdqmstatus -m QM's HA current location on `on`, as a node name. */
async function currentLocation(on: HaNodeName): Promise<string> {
  const result = await node(on).run('rdqmstatus', ['-m', QM])
  expect(result.code, result.stderr).toBe(0)
  const location = statusFields(result.stdout).get('HA current location')
  return location === 'This node' ? on : (location ?? 'None')
}

async function locationUntil(on: HaNodeName, expected: string): Promise<void> {
  const deadline = Date.now() + 30_000
  while ((await currentLocation(on)) !== expected) {
    if (Date.now() > deadline) throw new Error(`${QM} never ran on ${expected}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

async function startNode(name: HaNodeName, ini: string): Promise<void> {
  const ports = new Set([...consolePorts.values(), ...metricsPorts.values()])
  let consolePort = await freePort()
  while (ports.has(consolePort)) consolePort = await freePort()
  ports.add(consolePort)
  let metricsPort = await freePort()
  while (ports.has(metricsPort)) metricsPort = await freePort()
  consolePorts.set(name, consolePort)
  metricsPorts.set(name, metricsPort)
  node(name).writeIni(ini)
  const env = {
    QMQ_NODE: name,
    QMQ_CONSOLE_PORT: String(consolePort),
    QMQ_METRICS_PORT: String(metricsPort),
  }
  const started = await node(name).node.run('qmqd', ['start'], { env })
  expect(started.code, started.stderr).toBe(0)
}

describe.skipIf(!available)('web console of a 3-node HA group in Chromium', () => {
  let browser: Chromium
  let page: Page
  let primary: HaNodeName
  let watcher: HaNodeName

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true })
    const ports = await groupPorts()
    for (const name of HA_NODES) await startNode(name, rdqmIni(ports))
    for (const name of HA_NODES) {
      const joined = await node(name).run('rdqmadm', ['-c'])
      expect(joined.code, joined.stderr).toBe(0)
    }
    const words = ['-sx', '-p', `${ports.listener}`, '-lf', '2049', QM]
    const created = await node('a').run('crtmqm', words)
    expect(created.code, created.stderr).toBe(0)
    const started = await node('a').run('strmqm', [QM])
    expect(started.code, started.stderr).toBe(0)
    primary = /running on node '(\w)'/.exec(started.stdout)?.[1] as HaNodeName
    expect(HA_NODES).toContain(primary)
    watcher = HA_NODES.find((name) => name !== primary)!
    browser = await launchChromium()
    page = await browser.context.newPage()
  }, 90_000)

  afterAll(async () => {
    await browser?.close()
    await Promise.all([...nodes.values()].map((each) => each.node.dispose()))
  })

  it('shows the three nodes and the primary rdqmstatus names', async () => {
    await page.goto(`http://127.0.0.1:${consolePorts.get(watcher)!}`)
    await page.locator(`[data-testid="ha-${QM}"][data-primary="${primary}"]`).waitFor()
    expect(await currentLocation(watcher)).toBe(primary)
    const rows = page.locator(`[data-testid="roles-${QM}"] tr[data-role-node]`)
    expect(await rows.count()).toBe(3)
    const shown = await rows.evaluateAll((each) => each.map((row) => row.getAttribute('data-role')))
    expect(shown.filter((role) => role === 'primary')).toHaveLength(1)
    const row = page.locator(`tr[data-role-node="${primary}"]`)
    expect(await row.getAttribute('data-role')).toBe('primary')
    expect(await page.locator('[data-testid="topology"] svg circle').count()).toBe(3)
    const ring = page.locator(`svg circle[data-node="${primary}"]`)
    expect(await ring.getAttribute('data-primary-of')).toBe(QM)
    await screenshot(page, 'ha-console-group')
  })

  it('puts a failover (kill -9 of the primary qmqd) on the timeline', async () => {
    const pid = node(primary).daemonPid()!
    process.kill(pid, 'SIGKILL')
    expect(await exited(pid, 10_000)).toBe(true)
    const move = page.locator(`[data-event^="${QM}:primary:"][data-from="${primary}"]`)
    await move.first().waitFor({ timeout: 30_000 })
    const event = (await move.first().getAttribute('data-event'))!
    const successor = event.split(':')[2]!
    expect(successor).not.toBe(primary)
    await locationUntil(watcher, successor)
    await page.locator(`[data-testid="ha-${QM}"][data-primary="${successor}"]`).waitFor()
    expect(await page.locator(`tr[data-role-node="${primary}"]`).getAttribute('data-role')).toBe(
      'unknown',
    )
    const metrics = await (
      await fetch(`http://127.0.0.1:${metricsPorts.get(watcher)!}/metrics`)
    ).text()
    const failovers = /^qmq_replication_failovers_total\{qmgr="HAC"\} (\d+)$/m.exec(metrics)
    expect(Number(failovers?.[1])).toBeGreaterThanOrEqual(1)
    expect(metrics).toMatch(/^qmq_replication_quorum\{qmgr="HAC"\} 1$/m)
    await screenshot(page, 'ha-console-failover')
  }, 60_000)

  it('moves the queue manager with "Make preferred" through the page', async () => {
    const now = await currentLocation(watcher)
    const target = HA_NODES.find((name) => name !== primary && name !== now)!
    await page.getByTestId(`action-prefer-node-${QM}-${target}`).click()
    await page.getByTestId('confirm').waitFor({ state: 'visible' })
    const text = await page.getByTestId('confirm-text').textContent()
    expect(text).toContain(`Make ${target} the preferred location of ${QM}`)
    expect(text).toContain(`it moves to ${target}`)
    await screenshot(page, 'ha-console-confirm-preferred')
    await page.getByTestId('confirm-ok').click()
    await page.getByTestId('result').filter({ hasText: target }).waitFor()
    await locationUntil(watcher, target)
    await page.locator(`[data-testid="ha-${QM}"][data-primary="${target}"]`).waitFor()
    expect(await page.getByTestId(`ha-${QM}`).textContent()).toContain(
      `preferred location ${target}`,
    )
    await screenshot(page, 'ha-console-preferred')
  }, 60_000)
})
