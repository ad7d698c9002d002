/**
 * A test node whose daemon serves metrics and the console: `qmqd start` with
 * QMQ_METRICS_PORT and QMQ_CONSOLE_PORT set (free ports below the ephemeral range), as a
 * service unit would set them. The daemon is stopped by its pid in dispose().
 */
import { expect } from 'vitest'
import { TestNode, freePort } from '../cli/support.js'

export interface OpsNode {
  readonly node: TestNode
  readonly metricsUrl: string
  readonly consoleUrl: string
}

export async function startOpsNode(prefix: string): Promise<OpsNode> {
  const node = new TestNode(prefix)
  const metricsPort = await freePort()
  let consolePort = await freePort()
  while (consolePort === metricsPort) consolePort = await freePort()
  const env = { QMQ_METRICS_PORT: String(metricsPort), QMQ_CONSOLE_PORT: String(consolePort) }
  const started = await node.run('qmqd', ['start'], { env })
  expect(started.code, started.stderr).toBe(0)
  return {
    node,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    consoleUrl: `http://127.0.0.1:${consolePort}`,
  }
}

export async function createAndStart(node: TestNode, name: string): Promise<void> {
  const port = String(await freePort())
  const created = await node.run('crtmqm', ['-lf', '2049', '-p', port, name])
  expect(created.code, created.stderr).toBe(0)
  const started = await node.run('strmqm', [name])
  expect(started.code, started.stderr).toBe(0)
}
