/**
 * npm run test:chaos -- [--faults N] [--seed S] [--target ha|dr] [--out DIR] [--clients N]
 *                       [--test-only-bug NAME] [--kinds kill,pause,...] [--driver qmqd|member]
 *                       [--allow-redriven-gets] [--dr-type async|sync]
 *                       [--test-only-discard-divergent] [--promote-by kill|cut]
 *
 * Runs the chaos suite (run.ts) and prints the report; exit status 1 when the checker found an
 * anomaly, 2 for bad arguments, 3 when the run itself failed (the cluster never served, a
 * member never caught up...). --target dr: a DR pair (qmqd-dr-driver.ts), asynchronous unless
 * --dr-type sync; --test-only-discard-divergent: the known-bad operator who resolves a split
 * brain by throwing the fork's records away unsaved. --test-only-bug enables one of
 * src/replication/bugs.ts on every member: a known-bad run whose loss the checker must report
 * (member-main processes only: --driver member). --driver: qmqd daemons built through the
 * commands (default) or member-main processes. --allow-redriven-gets: the checker's allowance
 * of before exactly-once (a get re-sent after a reconnect may have lost a message).
 */
import os from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { FaultKind } from './history.js'
import { DEFAULT_DRIVER, DRIVERS, runChaos } from './run.js'

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      faults: { type: 'string', default: '1000' },
      seed: { type: 'string' },
      target: { type: 'string', default: 'ha' },
      out: { type: 'string' },
      clients: { type: 'string', default: '4' },
      'test-only-bug': { type: 'string', multiple: true },
      kinds: { type: 'string' },
      driver: { type: 'string', default: DEFAULT_DRIVER },
      'allow-redriven-gets': { type: 'boolean', default: false },
      'dr-type': { type: 'string', default: 'async' },
      'test-only-discard-divergent': { type: 'boolean', default: false },
      'promote-by': { type: 'string' },
    },
  })
  const target = values.target === 'dr' ? 'dr' : 'ha'
  const drType = values['dr-type'] === 'sync' ? 's' : 'a'
  const promoteBy = values['promote-by']
  if (
    !['async', 'sync'].includes(values['dr-type']) ||
    ![undefined, 'kill', 'cut'].includes(promoteBy)
  ) {
    console.error('--dr-type takes async or sync; --promote-by kill or cut')
    return 2
  }
  if (values.target !== 'ha' && values.target !== 'dr') {
    console.error(`unknown --target ${values.target} (ha or dr)`)
    return 2
  }
  const driver = DRIVERS.find((name) => name === values.driver)
  if (driver === undefined) {
    console.error(`unknown --driver ${values.driver} (${DRIVERS.join(' or ')})`)
    return 2
  }
  const seed = Number(values.seed ?? Date.now() % 2_147_483_647)
  const faults = Number(values.faults)
  if (!Number.isInteger(seed) || !Number.isInteger(faults) || faults < 0) {
    console.error('--seed and --faults take whole numbers')
    return 2
  }
  const out = values.out ?? join(os.tmpdir(), `qmq-chaos-${seed}`)
  const on = target === 'dr' ? `dr (${drType === 's' ? 'sync' : 'async'})` : `ha (${driver})`
  console.log(`chaos: ${faults} faults on ${on}, seed ${seed}, out ${out}`)
  try {
    const report = await runChaos({
      faults,
      seed,
      out,
      driver,
      allowRedrivenGets: values['allow-redriven-gets'],
      clients: Number(values.clients),
      bugs: values['test-only-bug'],
      kinds: values.kinds?.split(',') as FaultKind[] | undefined,
      target,
      drType,
      discardDivergent: values['test-only-discard-divergent'],
      promoteBy: promoteBy as 'kill' | 'cut' | undefined,
    })
    const { anomalies, ...figures } = report
    console.log(JSON.stringify({ ...figures, anomalies: anomalies.length }, undefined, 2))
    for (const anomaly of anomalies.slice(0, 20))
      console.log(`ANOMALY ${anomaly.kind}: ${anomaly.detail}`)
    console.log(`${report.valid ? 'valid' : 'INVALID'}; report in ${out}/report.html`)
    return report.valid ? 0 : 1
  } catch (error) {
    console.error(`chaos run failed (seed ${seed}); see ${out}:`, error)
    return 3
  }
}

process.exitCode = await main()
