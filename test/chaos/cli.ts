/**
 * npm run test:chaos -- [--faults N] [--seed S] [--target ha|dr] [--out DIR] [--clients N]
 *                       [--test-only-bug NAME] [--kinds kill,pause,...] [--driver qmqd|member]
 *                       [--allow-redriven-gets]
 *
 * Runs the chaos suite (run.ts) and prints the report; exit status 1 when the checker found an
 * anomaly, 2 for a target that does not exist yet (dr) or bad arguments, 3 when the run itself
 * failed (the cluster never served, a member never caught up...). --test-only-bug enables one of
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
    },
  })
  if (values.target === 'dr') {
    console.error('--target dr: not yet (DR pairs do not exist yet; issue 9)')
    return 2
  }
  if (values.target !== 'ha') {
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
  console.log(`chaos: ${faults} faults on ha (${driver}), seed ${seed}, out ${out}`)
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
