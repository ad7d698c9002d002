/**
 * Where the time of one replicated put goes, from the stage timestamps that members write with
 * QMQ_PATH_TRACE=<prefix> (src/runtime/path-trace.ts):
 *
 *   QMQ_PATH_TRACE=/tmp/t npm run bench:replication -- --messages 500 --pipelined 0
 *   node dist/bench/replication/path-trace-report.js /tmp/t
 *
 * Sequential puts only (one record each, so the next put's LSN is this one's end). For each hop
 * of the ack path it prints the median over puts of (later stage - earlier stage), per follower:
 *
 *   primary  append -> final-batch -> local-batch -> send.append
 *   follower receive.append -> verbatim-fed -> journal-take -> journal-durable -> durable-seen
 *            -> send.appendResponse
 *   primary  receive.appendResponse -> commit -> commit-wake
 *
 * Clocks: all members run on one machine, so wall times of different processes compare.
 */
import fs from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { formatMicros, summarize } from '../core/samples.js'

/** Stages named by the LSN a put's record starts at; the others by the LSN it ends at. */
const BY_START = new Set([
  'append',
  'final-batch',
  'local-batch',
  'send.append',
  'receive.append',
  'verbatim-fed',
  'adopt',
  'journal-take',
])
const PUTS_KEPT = 400

type Times = Map<string, number>

function readLines(prefix: string): string[][] {
  const directory = dirname(prefix)
  const stem = `${basename(prefix)}.`
  return fs
    .readdirSync(directory)
    .filter((name) => name.startsWith(stem))
    .flatMap((name) => fs.readFileSync(join(directory, name), 'utf8').split('\n'))
    .map((line) => line.split(' '))
    .filter((fields) => fields.length === 5)
}

function collect(prefix: string): { puts: [number, number][]; times: Map<string, Times> } {
  const lines = readLines(prefix)
  const primary = new Set(lines.filter((f) => f[2] === 'append').map((f) => f[0]))
  if (primary.size !== 1) throw new Error(`expected one primary, found ${primary.size}`)
  const appends = [...new Set(lines.filter((f) => f[2] === 'append').map((f) => Number(f[3])))]
  appends.sort((a, b) => a - b)
  const kept = appends.slice(-PUTS_KEPT)
  const puts = kept.slice(0, -1).map((start, index): [number, number] => [start, kept[index + 1]!])
  const times = new Map<string, Times>()
  for (const [pid, , stage, lsn, wall] of lines as [string, string, string, string, string][]) {
    const role = primary.has(pid) ? 'primary' : `follower ${pid}`
    const key = `${BY_START.has(stage) ? 's' : 'e'}${lsn}`
    const at = times.get(key) ?? new Map<string, number>()
    times.set(key, at)
    const name = `${role}: ${stage}`
    if (!at.has(name)) at.set(name, Number(wall))
  }
  return { puts, times }
}

function hops(followers: string[]): [string, string][] {
  const primary = (stage: string): string => `primary: ${stage}`
  const list: [string, string][] = [
    [primary('append'), primary('final-batch')],
    [primary('final-batch'), primary('local-batch')],
    [primary('local-batch'), primary('send.append')],
  ]
  for (const follower of followers) {
    const chain = ['receive.append', 'verbatim-fed', 'journal-take', 'journal-durable']
    chain.push('durable-seen', 'send.appendResponse')
    list.push([primary('send.append'), `${follower}: receive.append`])
    for (let index = 1; index < chain.length; index++) {
      list.push([`${follower}: ${chain[index - 1]}`, `${follower}: ${chain[index]}`])
    }
  }
  list.push([primary('receive.appendResponse'), primary('commit')])
  list.push([primary('commit'), primary('commit-wake')])
  list.push([primary('append'), primary('journal-durable')])
  list.push([primary('append'), primary('commit-wake')])
  return list
}

function report(prefix: string): void {
  const { puts, times } = collect(prefix)
  const roles = new Set([...times.values()].flatMap((at) => [...at.keys()]))
  // A follower is a member that received APPENDs (a single node traced beside is not).
  const followers = [...roles]
    .filter((name) => name.startsWith('follower') && name.endsWith(': receive.append'))
    .map((name) => name.split(':')[0]!)
    .sort()
  const stageTime = (name: string, start: number, end: number): number | undefined => {
    const stage = name.split(': ')[1]!
    return times.get(BY_START.has(stage) ? `s${start}` : `e${end}`)?.get(name)
  }
  console.log(`${puts.length} sequential puts; median of each hop (later - earlier stage)`)
  for (const [from, to] of hops(followers)) {
    const deltas: number[] = []
    for (const [start, end] of puts) {
      const a = stageTime(from, start, end)
      const b = stageTime(to, start, end)
      if (a !== undefined && b !== undefined) deltas.push((b - a) * 1000)
    }
    if (deltas.length < puts.length / 2) continue
    const { p50Micros } = summarize(Float64Array.from(deltas))
    console.log(`${`${from} -> ${to}`.padEnd(72)} ${formatMicros(p50Micros).padStart(9)}`)
  }
}

report(process.argv[2] ?? '/tmp/qmq-path-trace')
