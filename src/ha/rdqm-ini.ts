/**
 * QMQ_HOME/rdqm.ini: the HA group, in RDQM's format, identical on the three nodes.
 *
 *   Node:                          one stanza per node, exactly three
 *     Name=node1                   the node's name: its host name, or QMQ_NODE where set
 *     HA_Replication=127.0.0.1     the node's address: replication links, node channel and the
 *                                  queue managers' listeners bind it (required)
 *     HA_Primary=10.0.0.1          heartbeat links (optional; kept and shown, but QuorumMQ's
 *     HA_Alternate=10.0.1.1        heartbeats travel on the replication link)
 *   Heartbeat:                     optional, QuorumMQ's: Heartbeat's names, in ms ("2s" too)
 *     KeepAlive=25                 a primary's heartbeat interval
 *     WarnTime=100                 a silent peer is logged as late
 *     DeadTime=200                 a silent primary is replaced, a cut-off one steps down
 *     InitDead=5000                after a start, how long peers may take to appear
 *   QuorumMQ:                      optional: NodePort= (node channel, default 7400),
 *                                  ReplicationFirstPort= (default 7000, as RDQM's DRBD ports)
 *   DRGroup:                       RDQM's DR/HA stanza: accepted, not used yet
 *
 * Lines are `Key=Value` (blanks around either ignored), `#` and `;` start comments, stanza and
 * key names are case-insensitive. Pure: the caller reads the file; every error names its line.
 */
import os from 'node:os'
import {
  HA_DEADTIME_MS,
  HA_GROUP_NODE_COUNT,
  HA_INITDEAD_MS,
  HA_KEEPALIVE_MS,
  HA_NODE_PORT,
  HA_REPLICATION_FIRST_PORT,
  HA_WARNTIME_MS,
} from '../constants.js'
import { ErrorCode, QmqError } from '../errors.js'

export interface HaNodeDefinition {
  readonly name: string
  readonly replicationAddress: string
  readonly primaryAddress?: string
  readonly alternateAddress?: string
}

export interface HeartbeatSettings {
  readonly keepaliveMs: number
  readonly warntimeMs: number
  readonly deadtimeMs: number
  readonly initdeadMs: number
}

export interface HaGroupDefinition {
  readonly nodes: readonly HaNodeDefinition[]
  readonly heartbeat: HeartbeatSettings
  readonly nodePort: number
  readonly replicationFirstPort: number
}

export const DEFAULT_HEARTBEAT: HeartbeatSettings = {
  keepaliveMs: HA_KEEPALIVE_MS,
  warntimeMs: HA_WARNTIME_MS,
  deadtimeMs: HA_DEADTIME_MS,
  initdeadMs: HA_INITDEAD_MS,
}

interface Stanza {
  readonly kind: string
  readonly line: number
  readonly values: Map<string, { value: string; line: number }>
}

const STANZA_KEYS: Readonly<Record<string, readonly string[]>> = {
  node: ['name', 'ha_replication', 'ha_primary', 'ha_alternate', 'dr_replication'],
  heartbeat: ['keepalive', 'warntime', 'deadtime', 'initdead'],
  quorummq: ['nodeport', 'replicationfirstport'],
  drgroup: ['name', 'dr_replication'],
}

function invalid(line: number | undefined, text: string): QmqError {
  const where = line === undefined ? 'rdqm.ini' : `rdqm.ini line ${line}`
  return new QmqError(ErrorCode.CONFIG_INVALID, `${where}: ${text}`, { line })
}

function splitStanzas(text: string): Stanza[] {
  const stanzas: Stanza[] = []
  const lines = text.split(/\r?\n/)
  for (let index = 0; index < lines.length; index++) {
    const lineNumber = index + 1
    const line = lines[index]!.replace(/[#;].*$/, '').trim()
    if (line === '') continue
    const header = /^([A-Za-z_]+)\s*:$/.exec(line)
    if (header !== null) {
      const kind = header[1]!.toLowerCase()
      if (STANZA_KEYS[kind] === undefined) {
        throw invalid(lineNumber, `unknown stanza '${header[1]}:' (Node, Heartbeat, QuorumMQ)`)
      }
      stanzas.push({ kind, line: lineNumber, values: new Map() })
      continue
    }
    const pair = /^([A-Za-z_]+)\s*=\s*(.*)$/.exec(line)
    if (pair === null) throw invalid(lineNumber, `expected 'Key=Value' or 'Stanza:', not '${line}'`)
    const stanza = stanzas.at(-1)
    if (stanza === undefined) throw invalid(lineNumber, `'${pair[1]}' before any stanza`)
    const key = pair[1]!.toLowerCase()
    if (!STANZA_KEYS[stanza.kind]!.includes(key)) {
      throw invalid(lineNumber, `unknown key '${pair[1]}' in a ${stanza.kind} stanza`)
    }
    if (stanza.values.has(key)) throw invalid(lineNumber, `'${pair[1]}' given twice`)
    stanza.values.set(key, { value: pair[2]!.trim(), line: lineNumber })
  }
  return stanzas
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/

function address(stanza: Stanza, key: string, required: boolean): string | undefined {
  const entry = stanza.values.get(key)
  if (entry === undefined || entry.value === '') {
    if (required) throw invalid(stanza.line, `Node stanza without ${key.toUpperCase()}=`)
    return undefined
  }
  const match = IPV4.exec(entry.value)
  if (match === null || match.slice(1).some((part) => Number(part) > 255)) {
    throw invalid(entry.line, `'${entry.value}' is not an IPv4 address`)
  }
  return entry.value
}

function nodeOf(stanza: Stanza): HaNodeDefinition {
  const name = stanza.values.get('name')
  if (name === undefined || name.value === '') {
    throw invalid(stanza.line, 'Node stanza without Name=')
  }
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name.value)) {
    throw invalid(name.line, `node name '${name.value}' is not valid (A-Z a-z 0-9 . _ -)`)
  }
  const primaryAddress = address(stanza, 'ha_primary', false)
  const alternateAddress = address(stanza, 'ha_alternate', false)
  return {
    name: name.value,
    replicationAddress: address(stanza, 'ha_replication', true)!,
    ...(primaryAddress === undefined ? {} : { primaryAddress }),
    ...(alternateAddress === undefined ? {} : { alternateAddress }),
  }
}

/** "200", "200ms" or "2s" as milliseconds. */
function milliseconds(entry: { value: string; line: number } | undefined, fallback: number) {
  if (entry === undefined) return fallback
  const match = /^(\d+)\s*(ms|s)?$/i.exec(entry.value)
  const value =
    match === null ? NaN : Number(match[1]) * (match[2]?.toLowerCase() === 's' ? 1000 : 1)
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw invalid(entry.line, `'${entry.value}' is not a time (milliseconds, or seconds with s)`)
  }
  return value
}

function port(entry: { value: string; line: number } | undefined, fallback: number): number {
  if (entry === undefined) return fallback
  const value = Number(entry.value)
  if (!/^\d+$/.test(entry.value) || value < 1 || value > 65_535) {
    throw invalid(entry.line, `'${entry.value}' is not a port (1 to 65535)`)
  }
  return value
}

function heartbeatOf(stanza: Stanza | undefined): HeartbeatSettings {
  const get = (key: string) => stanza?.values.get(key)
  const heartbeat = {
    keepaliveMs: milliseconds(get('keepalive'), DEFAULT_HEARTBEAT.keepaliveMs),
    warntimeMs: milliseconds(get('warntime'), DEFAULT_HEARTBEAT.warntimeMs),
    deadtimeMs: milliseconds(get('deadtime'), DEFAULT_HEARTBEAT.deadtimeMs),
    initdeadMs: milliseconds(get('initdead'), DEFAULT_HEARTBEAT.initdeadMs),
  }
  const line = stanza?.line
  if (heartbeat.keepaliveMs * 2 >= heartbeat.deadtimeMs) {
    throw invalid(line, 'DeadTime must be more than twice KeepAlive')
  }
  if (heartbeat.warntimeMs > heartbeat.deadtimeMs) {
    throw invalid(line, 'WarnTime must not exceed DeadTime')
  }
  if (heartbeat.initdeadMs < heartbeat.deadtimeMs) {
    throw invalid(line, 'InitDead must be at least DeadTime')
  }
  return heartbeat
}

function single(stanzas: Stanza[], kind: string): Stanza | undefined {
  const found = stanzas.filter((stanza) => stanza.kind === kind)
  if (found.length > 1) throw invalid(found[1]!.line, `a second ${kind} stanza`)
  return found[0]
}

export function parseRdqmIni(text: string): HaGroupDefinition {
  const stanzas = splitStanzas(text)
  const nodes = stanzas.filter((stanza) => stanza.kind === 'node').map(nodeOf)
  if (nodes.length !== HA_GROUP_NODE_COUNT) {
    throw invalid(
      undefined,
      `an HA group has ${HA_GROUP_NODE_COUNT} Node stanzas, not ${nodes.length}`,
    )
  }
  for (const [index, node] of nodes.entries()) {
    const earlier = nodes.slice(0, index)
    if (earlier.some((other) => other.name === node.name)) {
      throw invalid(undefined, `node '${node.name}' named twice`)
    }
    if (earlier.some((other) => other.replicationAddress === node.replicationAddress)) {
      throw invalid(undefined, `HA_Replication address ${node.replicationAddress} given twice`)
    }
  }
  const extension = single(stanzas, 'quorummq')
  return {
    nodes,
    heartbeat: heartbeatOf(single(stanzas, 'heartbeat')),
    nodePort: port(extension?.values.get('nodeport'), HA_NODE_PORT),
    replicationFirstPort: port(
      extension?.values.get('replicationfirstport'),
      HA_REPLICATION_FIRST_PORT,
    ),
  }
}

/** The name this node goes by in rdqm.ini: QMQ_NODE where set, else the host name. */
export function selfNodeName(environment: NodeJS.ProcessEnv = process.env): string {
  const configured = environment['QMQ_NODE']
  return configured !== undefined && configured !== '' ? configured : os.hostname()
}

export function findNode(group: HaGroupDefinition, name: string): HaNodeDefinition | undefined {
  return group.nodes.find((node) => node.name === name)
}
