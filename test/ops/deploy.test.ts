/**
 * Goal: the shipped deployment files are usable as they stand. Grafana's dashboard and the
 * Prometheus rules parse and name only metrics the endpoint exports; the Kubernetes manifests,
 * rendered as `kubectl apply -k deploy/k8s` would (resources plus the generated ConfigMap), make
 * a 3-pod StatefulSet with stable names, a headless service, per-pod volumes and an init step
 * whose script writes rdqm.ini from the pod names; the systemd units run commands the package
 * installs. Method: parse every file (yaml from npm), render the exposition of a snapshot, and
 * run the init script with sh for one pod. No cluster: a real one is not available here.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { parseAllDocuments, parse as parseYaml } from 'yaml'
import { describe, expect, it } from 'vitest'
import { METRIC_NAMES, NodeMetrics } from '../../src/ops/metrics.js'
import { packageRoot } from '../../src/runtime/package-root.js'
import { runningQueueManager, snapshotOf } from './fixtures.js'

const DEPLOY = join(packageRoot, 'deploy')
const HISTOGRAM_SUFFIX = /_(bucket|sum|count)$/

/** Metric names used in a PromQL text (qmq_ names; the histogram series map to their base). */
function metricNamesIn(text: string): Set<string> {
  const names = new Set<string>()
  for (const [name] of text.matchAll(/\bqmq_[a-z0-9_]+/g)) {
    const base = name.replace(HISTOGRAM_SUFFIX, '')
    names.add(METRIC_NAMES.includes(name) ? name : base)
  }
  return names
}

async function exportedNames(): Promise<Set<string>> {
  const text = await new NodeMetrics().render(snapshotOf([runningQueueManager()]))
  return new Set([...text.matchAll(/^# HELP (\S+) /gm)].map((match) => match[1]!))
}

interface Rule {
  alert?: string
  expr: string
}

describe('deploy/grafana and deploy/prometheus', () => {
  it('the dashboard parses and names only exported metrics', async () => {
    const dashboard = JSON.parse(
      fs.readFileSync(join(DEPLOY, 'grafana', 'quorummq-dashboard.json'), 'utf8'),
    ) as { panels: { title: string; targets: { expr: string }[] }[] }
    expect(dashboard.panels.length).toBeGreaterThan(10)
    const exported = await exportedNames()
    const used = new Set<string>()
    for (const panel of dashboard.panels) {
      expect(panel.targets.length, panel.title).toBeGreaterThan(0)
      for (const target of panel.targets)
        for (const name of metricNamesIn(target.expr)) used.add(name)
    }
    for (const name of used) expect(exported, name).toContain(name)
    // Every area the issue lists has a panel.
    for (const name of [
      'qmq_replication_lag_seconds',
      'qmq_queue_depth',
      'qmq_journal_fdatasync_seconds',
      'qmq_journal_batch_records',
      'qmq_queue_manager_requests_in_flight',
    ]) {
      expect(used, name).toContain(name)
    }
  })

  it('the alert rules parse, cover lag, quorum and disk, and name only exported metrics', async () => {
    const file = parseYaml(
      fs.readFileSync(join(DEPLOY, 'prometheus', 'quorummq-alerts.yml'), 'utf8'),
    ) as { groups: { rules: Rule[] }[] }
    const rules = file.groups.flatMap((group) => group.rules)
    const exported = await exportedNames()
    for (const rule of rules) {
      expect(rule.alert).toMatch(/^QuorumMQ/)
      for (const name of metricNamesIn(rule.expr))
        expect(exported, `${rule.alert}: ${name}`).toContain(name)
    }
    const exprOf = (alert: string) => rules.find((rule) => rule.alert === alert)?.expr ?? ''
    expect(exprOf('QuorumMQReplicationLagging')).toContain('qmq_replication_lag_seconds')
    expect(exprOf('QuorumMQQuorumLost')).toContain('qmq_replication_quorum')
    expect(exprOf('QuorumMQDiskNearlyFull')).toContain('qmq_node_filesystem_avail_bytes')
    const config = parseYaml(
      fs.readFileSync(join(DEPLOY, 'prometheus', 'prometheus.yml'), 'utf8'),
    ) as { rule_files: string[] }
    expect(config.rule_files).toContain('quorummq-alerts.yml')
  })
})

interface Manifest {
  kind: string
  metadata: { name: string }
  spec?: Record<string, unknown>
  data?: Record<string, string>
}

/** What `kubectl apply -k deploy/k8s` applies: its resources and generated ConfigMaps. */
function renderKustomization(directory: string): Manifest[] {
  const kustomization = parseYaml(
    fs.readFileSync(join(directory, 'kustomization.yaml'), 'utf8'),
  ) as {
    resources: string[]
    configMapGenerator: { name: string; files: string[] }[]
    generatorOptions?: { disableNameSuffixHash?: boolean }
  }
  expect(kustomization.generatorOptions?.disableNameSuffixHash).toBe(true)
  const manifests: Manifest[] = []
  for (const resource of kustomization.resources) {
    const text = fs.readFileSync(join(directory, resource), 'utf8')
    for (const document of parseAllDocuments(text)) {
      expect(document.errors).toEqual([])
      manifests.push(document.toJS() as Manifest)
    }
  }
  for (const generator of kustomization.configMapGenerator) {
    const data: Record<string, string> = {}
    for (const file of generator.files) data[file] = fs.readFileSync(join(directory, file), 'utf8')
    manifests.push({ kind: 'ConfigMap', metadata: { name: generator.name }, data })
  }
  return manifests
}

interface Container {
  name: string
  command: string[]
  env: { name: string; value?: string; valueFrom?: { fieldRef: { fieldPath: string } } }[]
  volumeMounts: { name: string; mountPath: string }[]
}

describe('deploy/k8s', () => {
  const manifests = renderKustomization(join(DEPLOY, 'k8s'))
  const byKind = (kind: string) => manifests.filter((manifest) => manifest.kind === kind)

  it('is a 3-pod StatefulSet behind a headless service, a volume per pod', () => {
    const [statefulSet] = byKind('StatefulSet')
    const [service] = byKind('Service')
    const spec = statefulSet!.spec as {
      serviceName: string
      replicas: number
      selector: { matchLabels: Record<string, string> }
      template: {
        metadata: { labels: Record<string, string> }
        spec: {
          containers: Container[]
          initContainers: Container[]
          volumes: { name: string; configMap?: { name: string } }[]
        }
      }
      volumeClaimTemplates: { metadata: { name: string } }[]
    }
    expect(spec.replicas).toBe(3)
    expect(spec.serviceName).toBe(service!.metadata.name)
    const serviceSpec = service!.spec as { clusterIP: string; selector: Record<string, string> }
    expect(serviceSpec.clusterIP).toBe('None')
    expect(spec.template.metadata.labels).toMatchObject(serviceSpec.selector)
    expect(spec.template.metadata.labels).toMatchObject(spec.selector.matchLabels)
    const [claim] = spec.volumeClaimTemplates
    const [qmqd] = spec.template.spec.containers
    expect(qmqd!.command).toEqual(['qmqd', 'run'])
    const home = qmqd!.env.find((variable) => variable.name === 'QMQ_HOME')?.value
    expect(qmqd!.volumeMounts).toContainEqual({ name: claim!.metadata.name, mountPath: home })
    const [init] = spec.template.spec.initContainers
    expect(init!.volumeMounts).toContainEqual({ name: claim!.metadata.name, mountPath: home })
    const scriptVolume = spec.template.spec.volumes.find((volume) => volume.configMap !== undefined)
    const configMap = byKind('ConfigMap').find(
      (map) => map.metadata.name === scriptVolume?.configMap?.name,
    )
    expect(configMap?.data?.['rdqm-ini.sh']).toBeDefined()
    const replicas = init!.env.find((variable) => variable.name === 'REPLICAS')?.value
    expect(Number(replicas)).toBe(spec.replicas)
    const podName = init!.env.find((variable) => variable.name === 'POD_NAME')
    expect(podName?.valueFrom?.fieldRef.fieldPath).toBe('metadata.name')
  })

  it('the init step writes rdqm.ini naming every pod with its stable DNS name', () => {
    const [configMap] = byKind('ConfigMap')
    const home = fs.mkdtempSync(join(os.tmpdir(), 'qmq-k8s-'))
    try {
      const script = join(home, 'rdqm-ini.sh')
      fs.writeFileSync(script, configMap!.data!['rdqm-ini.sh']!)
      execFileSync('/bin/sh', [script], {
        env: {
          PATH: process.env['PATH'] ?? '/usr/bin:/bin',
          POD_NAME: 'qmq-1',
          POD_NAMESPACE: 'mq',
          SERVICE_NAME: 'qmq',
          REPLICAS: '3',
          QMQ_HOME: join(home, 'node'),
        },
      })
      const ini = fs.readFileSync(join(home, 'node', 'rdqm.ini'), 'utf8')
      const stanzas = ini
        .split('Node:')
        .slice(1)
        .map((stanza) =>
          stanza
            .trim()
            .split('\n')
            .map((line) => line.trim()),
        )
      expect(stanzas).toEqual(
        [0, 1, 2].map((index) => [
          `Name=qmq-${index}`,
          `HA_Replication=qmq-${index}.qmq.mq.svc.cluster.local`,
        ]),
      )
    } finally {
      fs.rmSync(home, { recursive: true, force: true })
    }
  })
})

describe('deploy/systemd', () => {
  const bins = Object.keys(
    (
      JSON.parse(fs.readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
        bin: Record<string, string>
      }
    ).bin,
  )

  function unit(name: string): Map<string, string[]> {
    const entries = new Map<string, string[]>()
    for (const line of fs.readFileSync(join(DEPLOY, 'systemd', name), 'utf8').split('\n')) {
      const match = /^([A-Za-z]+)=(.*)$/.exec(line)
      if (match === null) continue
      entries.set(match[1]!, [...(entries.get(match[1]!) ?? []), match[2]!])
    }
    return entries
  }

  it('runs qmqd in the foreground, stopped by SIGTERM, with commands the package installs', () => {
    const daemon = unit('qmqd.service')
    expect(daemon.get('ExecStart')).toEqual(['/usr/local/bin/qmqd run'])
    expect(daemon.get('KillSignal')).toEqual(['SIGTERM'])
    expect(daemon.get('Environment')).toContain('QMQ_HOME=/var/lib/quorummq')
    const queueManager = unit('quorummq-qm@.service')
    expect(queueManager.get('Requires')).toEqual(['qmqd.service'])
    for (const command of [
      ...daemon.get('ExecStart')!,
      ...queueManager.get('ExecStart')!,
      ...queueManager.get('ExecStop')!,
    ]) {
      const binary = command.split(' ')[0]!.split('/').at(-1)!
      expect(bins).toContain(binary)
    }
  })
})
