/**
 * What a daemon started in the background tells the command that launched it, once, over the
 * IPC channel, before it lets the channel go: ready (with its identity), already running (the
 * lock is held by another daemon, which serves the command instead), or failed and why.
 */
export type LaunchReport =
  | {
      readonly type: 'ready'
      readonly pid: number
      readonly home: string
      readonly version: string
    }
  | { readonly type: 'already-running'; readonly pid: number | 'unknown' }
  | { readonly type: 'failed'; readonly reason: string }

export function isLaunchReport(value: unknown): value is LaunchReport {
  if (typeof value !== 'object' || value === null) return false
  const type = (value as { type?: unknown }).type
  return type === 'ready' || type === 'already-running' || type === 'failed'
}

/** Sends the report if this process was launched with an IPC channel, then closes it. */
export async function reportLaunch(report: LaunchReport): Promise<void> {
  const send = process.send?.bind(process)
  if (send === undefined || !process.connected) return
  await new Promise<void>((resolve) => {
    send(report, undefined, {}, () => resolve())
  })
  if (process.connected) process.disconnect()
}
