/**
 * The simulator's command line (compiled to dist/test/sim/cli.js by npm run build):
 *   npm run test:sim -- --seeds N [--from S]   N seeds (default 10,000) from S, over 2 workers
 *   npm run test:sim -- --seed S               one seed, with a readable trace
 *   npm run test:sim -- --bug NAME             switch a simulation-only bug on (repeatable)
 *   npm run test:sim -- --bug list             the bug names
 *   npm run test:sim -- --mode M               ha (default), drAsync or drSync (a DR pair)
 * The last line says how many seeds were checked and how many violations were found; the exit
 * code is 1 if any.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { isSimulationBug, SIMULATION_BUGS, type SimulationBug } from '../../src/replication/bugs.js'
import {
  runSimulation,
  SIMULATION_MODES,
  type SimulationMode,
  type SimulationResult,
} from './simulation.js'

interface Arguments {
  seeds: number
  from: number
  seed: number | undefined
  bugs: SimulationBug[]
  workers: number
  mode: SimulationMode
}

function parse(argv: readonly string[]): Arguments | 'list' {
  const parsed: Arguments = {
    seeds: 10_000,
    from: 1,
    seed: undefined,
    bugs: [],
    workers: Math.min(2, availableParallelism()),
    mode: 'ha',
  }
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index]
    const value = argv[index + 1] ?? ''
    index++
    if (flag === '--seeds') parsed.seeds = Number(value)
    else if (flag === '--from') parsed.from = Number(value)
    else if (flag === '--seed') parsed.seed = Number(value)
    else if (flag === '--workers') parsed.workers = Number(value)
    else if (flag === '--mode') {
      const mode = SIMULATION_MODES.find((candidate) => candidate === value)
      if (mode === undefined)
        throw new Error(`unknown mode ${value}: ${SIMULATION_MODES.join(', ')}`)
      parsed.mode = mode
    } else if (flag === '--bug') {
      if (value === 'list') return 'list'
      if (!isSimulationBug(value)) throw new Error(`unknown bug ${value}; try --bug list`)
      parsed.bugs.push(value)
    } else throw new Error(`unknown argument ${flag}`)
  }
  return parsed
}

function runWorker(
  seeds: number[],
  bugs: SimulationBug[],
  mode: SimulationMode,
): Promise<SimulationResult[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), {
      workerData: { seeds, bugs, mode },
    })
    worker.once('message', (results: SimulationResult[]) => resolve(results))
    worker.once('error', reject)
  })
}

async function main(): Promise<number> {
  const args = parse(process.argv.slice(2))
  if (args === 'list') {
    for (const name of SIMULATION_BUGS) console.log(name)
    return 0
  }
  const bugs = new Set(args.bugs)
  if (args.seed !== undefined) {
    const result = await runSimulation({ seed: args.seed, bugs, mode: args.mode, trace: true })
    for (const line of result.trace) console.log(line)
    console.log(JSON.stringify(result.stats))
    console.log(`seeds checked: 1, violations: ${result.violations.length}`)
    return result.violations.length > 0 ? 1 : 0
  }
  const started = performance.now()
  const shares: number[][] = Array.from({ length: args.workers }, () => [])
  for (let offset = 0; offset < args.seeds; offset++) {
    shares[offset % args.workers]!.push(args.from + offset)
  }
  const results = (
    await Promise.all(shares.map((share) => runWorker(share, args.bugs, args.mode)))
  ).flat()
  let violations = 0
  let acked = 0
  for (const result of results) {
    acked += result.stats.ackedPuts
    if (result.violations.length === 0) continue
    violations += result.violations.length
    console.log(
      `seed ${result.seed} FAILED (replay: npm run test:sim -- --seed ${result.seed}` +
        (args.mode === 'ha' ? '' : ` --mode ${args.mode}`) +
        `${args.bugs.map((bug) => ` --bug ${bug}`).join('')}): ${result.violations[0]}`,
    )
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  console.log(
    `${results.length} ${args.mode} seeds in ${seconds} s, ${acked} acknowledged puts` +
      (args.bugs.length > 0 ? `, bugs on: ${args.bugs.join(', ')}` : ''),
  )
  console.log(`seeds checked: ${results.length}, violations: ${violations}`)
  return violations > 0 ? 1 : 0
}

process.exitCode = await main()
