/**
 * node dist/test/chaos/recheck.js DIR [--allow-redriven-gets]: runs the checker again on a
 * run's saved histories (histories.jsonl, final-queue.json, faults.json, serving.json if
 * present), for working on the checker without running the cluster again. The members' logs
 * are not saved, so the committed-log comparison is the one rule this cannot repeat.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { check } from './checker.js'
import type { Fault, Operation, ServingPeriod } from './history.js'

const directory = process.argv[2]
if (directory === undefined) {
  console.error('usage: recheck <run directory>')
  process.exit(2)
}
const read = <T>(name: string, fallback: T): T => {
  const path = join(directory, name)
  return fs.existsSync(path) ? (JSON.parse(fs.readFileSync(path, 'utf8')) as T) : fallback
}
const operations = fs
  .readFileSync(join(directory, 'histories.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Operation)
const verdict = check({
  operations,
  final: read<string[]>('final-queue.json', []),
  faults: read<Fault[]>('faults.json', []),
  serving: read<ServingPeriod[]>('serving.json', []),
  endMs: operations.reduce((last, op) => Math.max(last, op.completeMs), 0),
  allowRedrivenGets: process.argv.includes('--allow-redriven-gets'),
})
console.log(JSON.stringify(verdict.availability))
for (const anomaly of verdict.anomalies) console.log(`${anomaly.kind}: ${anomaly.detail}`)
console.log(`${verdict.valid ? 'valid' : 'INVALID'}: ${verdict.anomalies.length} anomalies`)
process.exitCode = verdict.valid ? 0 : 1
