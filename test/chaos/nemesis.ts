/**
 * The nemesis: a fault schedule planned from the seed (pure: kinds, targets as roles, durations
 * and the quiet gaps between faults), then performed on a ClusterDriver. Faults come one at a
 * time: inject, hold, heal, wait for a primary to serve again, then a quiet gap, so each fault's
 * client-visible gap can be measured on its own.
 */
import type { ClusterDriver } from './cluster-driver.js'
import type { Fault, FaultKind } from './history.js'
import { between, pick, seededRandom } from './random.js'

export interface PlannedFault {
  readonly kind: FaultKind
  /** Which member: the primary, a secondary, or any (resolved when the fault is injected). */
  readonly role: 'primary' | 'secondary' | 'any'
  /** A second seeded choice (the other member of a one-way cut, the bridge's middle...). */
  readonly choice: number
  readonly holdMs: number
  readonly gapMs: number
  readonly delayMs: number
  readonly loss: number
}

export interface NemesisTiming {
  readonly holdMs: readonly [number, number]
  readonly gapMs: readonly [number, number]
}

export const DEFAULT_TIMING: NemesisTiming = { holdMs: [500, 3_000], gapMs: [300, 1_500] }

export function planFaults(
  seed: number,
  count: number,
  kinds: readonly FaultKind[],
  timing: NemesisTiming = DEFAULT_TIMING,
): PlannedFault[] {
  const random = seededRandom(seed ^ 0x5eed)
  return Array.from({ length: count }, () => {
    const kind = pick(random, kinds)
    const role: PlannedFault['role'] =
      kind === 'isolate-primary'
        ? 'primary'
        : kind === 'isolate-secondary'
          ? 'secondary'
          : pick(random, ['primary', 'secondary', 'any'] as const)
    return {
      kind,
      role,
      choice: random(),
      holdMs: between(random, ...timing.holdMs),
      gapMs: between(random, ...timing.gapMs),
      delayMs: between(random, 20, 250),
      loss: 0.02 + random() * 0.2,
    }
  })
}

/** Performs `plan`, appending each fault to `faults` as it is healed; stops early on `signal`. */
export async function runNemesis(
  driver: ClusterDriver,
  plan: readonly PlannedFault[],
  faults: Fault[],
  signal: AbortSignal,
  onFault?: (fault: Fault, index: number) => void,
  onCrash?: (node: string, after: Fault) => void,
): Promise<void> {
  for (const [index, planned] of plan.entries()) {
    if (signal.aborted) return
    await sleep(planned.gapMs)
    const startMs = Date.now()
    const own = driver.injectOwn?.(planned.kind, planned.holdMs, planned.choice)
    let exited: string[] = []
    let text: string
    if (own !== undefined) text = await own
    else {
      const detail = await inject(driver, planned)
      await sleep(planned.holdMs)
      // Members down now that the nemesis did not kill exited by themselves ('failed' in the log).
      const killed = planned.kind === 'kill' ? detail.node : undefined
      exited = driver.nodes.filter((node) => node !== killed && !driver.isRunning(node))
      await heal(driver, planned, detail)
      text = detail.text
    }
    const fault = { kind: planned.kind, startMs, endMs: Date.now(), detail: text }
    faults.push(fault)
    onFault?.(fault, index)
    for (const node of exited) onCrash?.(node, fault)
    for (const node of driver.nodes) {
      if (driver.isRunning(node)) continue
      if (!exited.includes(node)) onCrash?.(node, fault)
      await driver.restart(node)
    }
    // The next fault waits for a primary: faults on a group still electing would pile up.
    await driver.waitForPrimary(60_000).catch(() => undefined)
  }
}

interface Injected {
  readonly text: string
  readonly node: string
}

function target(driver: ClusterDriver, planned: PlannedFault): string {
  const primary = driver.primary()
  const others = driver.nodes.filter((node) => node !== primary)
  if (planned.role === 'primary' && primary !== undefined) return primary
  if (planned.role === 'secondary') return others[Math.floor(planned.choice * others.length)]!
  return driver.nodes[Math.floor(planned.choice * driver.nodes.length)]!
}

async function inject(driver: ClusterDriver, planned: PlannedFault): Promise<Injected> {
  const node = target(driver, planned)
  const others = driver.nodes.filter((other) => other !== node)
  const other = others[Math.floor(planned.choice * others.length)]!
  switch (planned.kind) {
    case 'kill':
      await driver.kill9(node)
      return { text: `kill -9 ${node}`, node }
    case 'pause':
      driver.pause(node)
      return { text: `SIGSTOP ${node}`, node }
    case 'isolate-primary':
    case 'isolate-secondary':
    case 'split':
    case 'dr-link-cut':
      for (const peer of others) {
        driver.cut(node, peer)
        driver.cut(peer, node)
      }
      return { text: `${node} | ${others.join(' ')}`, node }
    case 'one-way':
      driver.cut(node, other)
      return { text: `${node} -/-> ${other}`, node }
    case 'bridge': {
      // `node` is the bridge; the two others lose each other but both still see it.
      const [left, right] = others as [string, string]
      driver.cut(left, right)
      driver.cut(right, left)
      return { text: `${left} | ${right}, bridged by ${node}`, node }
    }
    case 'latency':
      driver.degrade({ delayMs: planned.delayMs })
      return { text: `+${planned.delayMs} ms on every link`, node }
    case 'loss':
      driver.degrade({ loss: planned.loss })
      return { text: `${(planned.loss * 100).toFixed(0)}% loss on every link`, node }
    case 'disk-full':
      driver.fillDisk()
      return { text: `disk of ${driver.diskNode} full`, node: driver.diskNode ?? node }
    case 'dr-resync-cut':
    case 'forced-promotion':
      throw new Error(`${planned.kind}: a fault of the driver's own (injectOwn), not this one's`)
  }
}

async function heal(
  driver: ClusterDriver,
  planned: PlannedFault,
  injected: Injected,
): Promise<void> {
  switch (planned.kind) {
    case 'kill':
      await driver.restart(injected.node)
      return
    case 'pause':
      driver.resume(injected.node)
      return
    case 'disk-full':
      driver.freeDisk()
      // A member that failed on the full disk comes back once there is room again.
      if (!driver.isRunning(injected.node)) await driver.restart(injected.node)
      return
    default:
      driver.healNetwork()
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
