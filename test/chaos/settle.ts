/**
 * The end of a run, for any driver: heal, restart what is down (a node that keeps failing is
 * left out, named), and wait until every member left in holds durably all the primary has
 * committed. The checker then compares committed logs of members that really caught up.
 */
import { setTimeout as sleep } from 'node:timers/promises'

export interface SettleHooks {
  readonly nodes: readonly string[]
  /** True while the node's member is up (or coming up): it needs no restart. */
  isOpen(node: string): Promise<boolean>
  restart(node: string): Promise<void>
  waitForPrimary(timeoutMs: number): Promise<string>
  /** The primary's commit LSN, or undefined if it did not answer. */
  commitLsn(primary: string): Promise<number | undefined>
  /** The member's durable LSN (-1 if it did not answer). */
  durableLsn(node: string): Promise<number>
}

const SETTLE_RESTARTS = 3

/** Returns the members left out: failed on every restart, or never caught up. */
export async function settle(hooks: SettleHooks, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs
  const restarts = new Map<string, number>()
  const givenUp = new Set<string>()
  for (;;) {
    for (const node of hooks.nodes) {
      if (givenUp.has(node) || (await hooks.isOpen(node))) continue
      const count = restarts.get(node) ?? 0
      if (count >= SETTLE_RESTARTS) givenUp.add(node)
      else {
        restarts.set(node, count + 1)
        await hooks.restart(node).catch(() => undefined)
      }
    }
    const behind = await behindPrimary(hooks, givenUp, Math.max(1_000, deadline - Date.now()))
    if (behind.length === 0) return [...givenUp]
    if (Date.now() > deadline) {
      // No primary at all is a failed run; a member that never catches up is left out, named.
      if (behind.some((node) => node.startsWith('('))) throw new Error(behind.join(' '))
      return [...givenUp, ...behind]
    }
    await sleep(200)
  }
}

/** Members (not left out) that do not yet hold durably all the primary has committed. */
async function behindPrimary(
  hooks: SettleHooks,
  leftOut: Set<string>,
  timeoutMs: number,
): Promise<string[]> {
  try {
    const primary = await hooks.waitForPrimary(Math.min(timeoutMs, 5_000))
    const target = await hooks.commitLsn(primary)
    if (target === undefined) return [`(primary ${primary} did not answer)`]
    const behind = []
    for (const node of hooks.nodes) {
      if (leftOut.has(node)) continue
      if ((await hooks.durableLsn(node)) < target) behind.push(node)
    }
    return behind
  } catch (error) {
    return [`(${(error as Error).message})`]
  }
}

/** Asks `ask` until it answers (a busy or just-resumed node may miss one status poll). */
export async function answered<T>(
  ask: () => Promise<T | undefined>,
  what: string,
  attempts = 10,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const answer = await ask()
    if (answer !== undefined) return answer
    if (attempt >= attempts) throw new Error(`${what} did not answer its status`)
    await sleep(300)
  }
}
