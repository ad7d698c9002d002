/**
 * Goal: a running qmqd serves metrics and the console's API from one status source: the
 * endpoint exports every declared metric, its counters follow real puts and gets, the
 * snapshot agrees with dspmq field for field, and a console action runs the CLI's own command
 * (its refusal is endmqm's message word for word). Method: a node whose daemon is started with
 * the two ports in its environment; the built commands as child processes; HTTP with fetch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { METRIC_NAMES } from '../../src/ops/metrics.js'
import type { NodeStatusSnapshot } from '../../src/ops/node-status.js'
import type { TimelineEvent } from '../../src/ops/status-timeline.js'
import { lines, statusOf } from '../cli/support.js'
import { createAndStart, startOpsNode, type OpsNode } from './ops-node.js'

function sample(text: string, series: string): number | undefined {
  const line = lines(text).find((each) => each.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

async function post(url: string, headers: Record<string, string> = {}, body: object = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

describe('qmqd with metrics and console', () => {
  let ops: OpsNode

  beforeAll(async () => {
    ops = await startOpsNode('ops')
    await createAndStart(ops.node, 'QMO')
    await createAndStart(ops.node, 'QMP')
    const defined = await ops.node.run('runmqsc', ['QMO'], {
      // Persistent (through the journal) and non-persistent puts both count.
      input: 'DEFINE QLOCAL(APP.Q) DEFPSIST(YES)\nDEFINE QLOCAL(NP.Q)\n',
    })
    expect(defined.code, defined.stdout).toBe(0)
  })
  afterAll(async () => {
    await ops?.node.dispose()
  })

  it('exports every declared metric, and counters follow puts and gets', async () => {
    const input = 'one\ntwo\nthree\n'
    expect((await ops.node.run('amqsput', ['APP.Q', 'QMO'], { input })).code).toBe(0)
    const got = await ops.node.run('amqsget', ['APP.Q', 'QMO'], { env: { QMQ_GET_WAIT_MS: '100' } })
    expect(got.code, got.stderr).toBe(0)
    expect((await ops.node.run('amqsput', ['APP.Q', 'QMO'], { input: 'four\n' })).code).toBe(0)
    expect((await ops.node.run('amqsput', ['NP.Q', 'QMO'], { input: 'x\ny\n' })).code).toBe(0)
    const response = await fetch(ops.metricsUrl)
    expect(response.headers.get('content-type')).toContain('text/plain')
    const text = await response.text()
    for (const name of METRIC_NAMES) expect(text).toContain(`# HELP ${name} `)
    expect(text).toContain('# HELP process_cpu_seconds_total ')
    const queue = 'qmgr="QMO",queue="APP.Q"'
    expect(sample(text, `qmq_queue_puts_total{${queue}}`)).toBe(4)
    expect(sample(text, `qmq_queue_gets_total{${queue}}`)).toBe(3)
    expect(sample(text, `qmq_queue_depth{${queue}}`)).toBe(1)
    expect(sample(text, 'qmq_queue_puts_total{qmgr="QMO",queue="NP.Q"}')).toBe(2)
    expect(sample(text, 'qmq_queue_manager_running{qmgr="QMO"}')).toBe(1)
    expect(sample(text, 'qmq_journal_fdatasync_seconds_count{qmgr="QMO"}')).toBeGreaterThan(0)
  })

  it('the status snapshot agrees with dspmq', async () => {
    const dspmq = await ops.node.run('qmqd', ['send', 'dspmq'])
    const status = await ops.node.run('qmqd', ['send', 'status'])
    expect(dspmq.code).toBe(0)
    expect(status.code).toBe(0)
    const entries = (JSON.parse(dspmq.stdout) as { data: Record<string, unknown>[] }).data
    const snapshot = (JSON.parse(status.stdout) as { data: NodeStatusSnapshot }).data
    expect(snapshot.queueManagers.map((qm) => qm.name)).toEqual(entries.map((each) => each['name']))
    for (const entry of entries) {
      const qm = snapshot.queueManagers.find((each) => each.name === entry['name'])!
      expect({ status: qm.status, host: qm.host, port: qm.port, isDefault: qm.isDefault }).toEqual({
        status: entry['status'],
        host: entry['host'],
        port: entry['port'],
        isDefault: entry['isDefault'],
      })
    }
  })

  it('a console action runs the CLI command and refuses what it refuses', async () => {
    const actions = (await (await fetch(`${ops.consoleUrl}/api/actions`)).json()) as {
      id: string
    }[]
    expect(actions.map((action) => action.id)).toEqual([
      'start',
      'end',
      'end-controlled',
      'suspend-node',
      'resume-node',
      'prefer-node',
      'clear-preferred',
    ])
    const end = `${ops.consoleUrl}/api/queue-managers/QMP/actions/end`
    const ended = await post(end)
    expect(ended.status, JSON.stringify(ended.body)).toBe(200)
    expect(statusOf((await ops.node.run('dspmq', ['-m', 'QMP'])).stdout, 'QMP')).toBe(
      'Ended immediately',
    )
    const again = await post(end)
    const cli = await ops.node.run('endmqm', ['-i', 'QMP'])
    expect(again.status).toBe(409)
    expect(cli.code).not.toBe(0)
    expect(again.body['exitCode']).toBe(cli.code)
    expect(again.body['errors']).toEqual(lines(cli.stderr))
    const started = await post(`${ops.consoleUrl}/api/queue-managers/QMP/actions/start`)
    expect(started.status, JSON.stringify(started.body)).toBe(200)
    expect(statusOf((await ops.node.run('dspmq', ['-m', 'QMP'])).stdout, 'QMP')).toBe('Running')
    const timeline = (await (
      await fetch(`${ops.consoleUrl}/api/timeline`)
    ).json()) as TimelineEvent[]
    const changes = timeline.filter(
      (event) => event.queueManager === 'QMP' && event.from !== undefined,
    )
    expect(changes.some((event) => event.to === 'Ended immediately')).toBe(true)
  })

  it('an HA action on a node outside any group is refused as rdqmadm refuses it', async () => {
    const suspend = `${ops.consoleUrl}/api/queue-managers/QMP/actions/suspend-node`
    expect((await post(suspend)).status).toBe(400)
    const refused = await post(suspend, {}, { node: 'b' })
    const cli = await ops.node.run('rdqmadm', ['-s', '-n', 'b'])
    expect(cli.code).not.toBe(0)
    expect(refused.status).toBe(409)
    expect(refused.body['exitCode']).toBe(cli.code)
    expect(refused.body['errors']).toEqual(lines(cli.stderr))
    const prefer = `${ops.consoleUrl}/api/queue-managers/QMP/actions/prefer-node`
    const notHa = await post(prefer, {}, { node: 'b' })
    const cliPrefer = await ops.node.run('rdqmadm', ['-p', '-m', 'QMP', '-n', 'b'])
    expect(notHa.body['errors']).toEqual(lines(cliPrefer.stderr))
  })

  it('refuses actions from another origin or not sent as JSON', async () => {
    const end = `${ops.consoleUrl}/api/queue-managers/QMO/actions/end`
    expect((await post(end, { origin: 'http://evil.example' })).status).toBe(403)
    const form = await fetch(end, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    })
    expect(form.status).toBe(403)
    expect(statusOf((await ops.node.run('dspmq', ['-m', 'QMO'])).stdout, 'QMO')).toBe('Running')
  })
})
