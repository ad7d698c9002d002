/**
 * Goal: the web console, in a real browser against a running qmqd, shows the node's true state
 * and its actions change the system. Method: a node whose daemon serves the console, one
 * running queue manager with a queue holding messages; headless Chromium (Debian's, through
 * playwright-core) opens the page: the status, role and depth shown must be the daemon's;
 * ending the queue manager through the page's button and confirmation must end it (dspmq says
 * so) and put the change on the timeline; starting it again must start it. A last page gets
 * a status with HA and DR fields (the HA engineer's data, not yet produced by the daemon)
 * through an intercepted /api/status and must draw them. Screenshots of each page go to
 * test-artifacts/browser/ (gitignored).
 */
import fs from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { NodeStatusSnapshot } from '../../src/ops/node-status.js'
import { packageRoot } from '../../src/runtime/package-root.js'
import { statusOf } from '../cli/support.js'
import { createAndStart, startOpsNode, type OpsNode } from '../ops/ops-node.js'
import { CHROMIUM_PATH, launchChromium, type Chromium } from './chromium.js'

const ARTIFACTS = join(packageRoot, 'test-artifacts', 'browser')
const available = fs.existsSync(CHROMIUM_PATH)
if (!available && process.env['CI'] !== undefined) {
  throw new Error(`${CHROMIUM_PATH} is missing: .ci/run installs it (apt-get install chromium)`)
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })
}

async function confirmAction(page: Page, action: string, expected: RegExp): Promise<void> {
  await page.getByTestId(`action-${action}-QMB`).click()
  const dialog = page.getByTestId('confirm')
  await dialog.waitFor({ state: 'visible' })
  expect(await page.getByTestId('confirm-text').textContent()).toMatch(expected)
  await screenshot(page, `console-confirm-${action}`)
  await page.getByTestId('confirm-ok').click()
}

describe.skipIf(!available)('web console in Chromium', () => {
  let ops: OpsNode
  let browser: Chromium
  let page: Page

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true })
    ops = await startOpsNode('console')
    await createAndStart(ops.node, 'QMB')
    const defined = await ops.node.run('runmqsc', ['QMB'], { input: 'DEFINE QLOCAL(APP.Q)\n' })
    expect(defined.code, defined.stdout).toBe(0)
    const input = 'a\nb\nc\n'
    expect((await ops.node.run('amqsput', ['APP.Q', 'QMB'], { input })).code).toBe(0)
    browser = await launchChromium()
    page = await browser.context.newPage()
  })
  afterAll(async () => {
    await browser?.close()
    await ops?.node.dispose()
  })

  it('shows the node, the running queue manager, its role and queue depth', async () => {
    await page.goto(ops.consoleUrl)
    await page.locator('body[data-loaded="true"]').waitFor()
    expect(await page.getByTestId('status-QMB').textContent()).toBe('Running')
    const roles = page.getByTestId('roles-QMB')
    expect(await roles.locator('tr[data-role-node] td').nth(1).textContent()).toBe('standalone')
    expect(await page.getByTestId('depth-QMB-APP.Q').textContent()).toBe('3')
    expect(await page.getByTestId('node').textContent()).toContain('QuorumMQ 0.1.0')
    expect(await page.locator('[data-testid="topology"] svg circle').count()).toBe(1)
    // Live rates: puts made now must lift the queue's puts chart off its baseline.
    expect((await ops.node.run('amqsput', ['APP.Q', 'QMB'], { input: 'd\ne\n' })).code).toBe(0)
    // Evaluated in the page (a string: this file is compiled without the DOM's types).
    await page.waitForFunction(`(() => {
      const line = document.querySelector('[data-queue="APP.Q"] svg[aria-label^="puts"] polyline')
      const points = (line?.getAttribute('points') ?? '').split(' ')
      return points.some((point) => Number(point.split(',')[1]) < 25)
    })()`)
    expect(await page.getByTestId('depth-QMB-APP.Q').textContent()).toBe('5')
    await screenshot(page, 'console-running')
  })

  it('ends and starts the queue manager through the page', async () => {
    await confirmAction(page, 'end', /End queue manager QMB immediately/)
    await page.getByTestId('status-QMB').filter({ hasText: 'Ended immediately' }).waitFor()
    expect(await page.getByTestId('result').textContent()).toContain('QMB')
    expect(statusOf((await ops.node.run('dspmq', ['-m', 'QMB'])).stdout, 'QMB')).toBe(
      'Ended immediately',
    )
    await page.locator('[data-event="QMB:status:Ended immediately"]').first().waitFor()
    await screenshot(page, 'console-ended')
    await confirmAction(page, 'start', /Start queue manager QMB/)
    await page.getByTestId('status-QMB').filter({ hasText: 'Running' }).waitFor()
    expect(statusOf((await ops.node.run('dspmq', ['-m', 'QMB'])).stdout, 'QMB')).toBe('Running')
    await screenshot(page, 'console-restarted')
  })

  it('cancelling the confirmation changes nothing', async () => {
    await page.getByTestId('action-end-QMB').click()
    await page.getByTestId('confirm-cancel').click()
    expect(statusOf((await ops.node.run('dspmq', ['-m', 'QMB'])).stdout, 'QMB')).toBe('Running')
  })

  it('draws HA roles, resync progress and the DR pair when the status has them', async () => {
    const real = (await (await fetch(`${ops.consoleUrl}/api/status`)).json()) as NodeStatusSnapshot
    const [qm] = real.queueManagers
    const withHa: NodeStatusSnapshot = {
      ...real,
      queueManagers: [
        {
          ...qm!,
          role: 'primary',
          ha: {
            group: 'GROUP1',
            preferredLocation: real.node.name,
            quorum: true,
            failovers: 1,
            elections: 2,
            peers: [
              { node: 'node-b', link: 'up', role: 'secondary', outOfSyncBytes: 0 },
              {
                node: 'node-c',
                link: 'lagging',
                role: 'secondary',
                outOfSyncBytes: 4 << 20,
                resyncProgress: 0.4,
                resyncEtaSeconds: 12,
              },
            ],
          },
          dr: { role: 'primary', state: 'Synchronization in progress', remote: 'dr-site' },
        },
      ],
    }
    const haPage = await browser.context.newPage()
    await haPage.route('**/api/status', (route) => route.fulfill({ json: withHa }))
    await haPage.goto(ops.consoleUrl)
    await haPage.locator('body[data-loaded="true"]').waitFor()
    expect(await haPage.getByTestId('ha-QMB').textContent()).toContain('preferred location')
    const peers = haPage.locator('[data-testid="roles-QMB"] tr[data-role-node]')
    expect(await peers.count()).toBe(3)
    expect(await haPage.locator('tr[data-role-node="node-c"]').textContent()).toContain('40%')
    const dr = haPage.locator('svg[data-dr-state="Synchronization in progress"]')
    expect(await dr.count()).toBe(1)
    expect(await haPage.locator('[data-link="node-c:lagging"]').count()).toBe(1)
    await screenshot(haPage, 'console-ha-preview')
    await haPage.close()
  })
})
