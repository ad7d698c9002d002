/**
 * CPU time charged to another process, from /proc (Linux): user plus system, in microseconds,
 * for the whole process and per thread name, so a benchmark can say how much each message cost
 * the server's main thread and its journal worker. Clock ticks: 10 ms resolution, so measure
 * spans of a second or more.
 */
import fs from 'node:fs'

const TICK_MICROS = 10_000

export interface ProcessCpu {
  readonly totalMicros: number
  /** By thread id; Node names every thread "node", the main thread's id is the pid. */
  readonly byThreadMicros: Readonly<Record<string, number>>
}

/** utime + stime of one /proc stat file, in microseconds. */
function statMicros(path: string): number {
  const text = fs.readFileSync(path, 'utf8')
  const close = text.lastIndexOf(')')
  const fields = text.slice(close + 2).split(' ')
  // Fields after the name start at "state" (field 3): utime is field 14, stime 15.
  const ticks = Number(fields[11]) + Number(fields[12])
  return ticks * TICK_MICROS
}

export function processCpu(pid: number): ProcessCpu {
  const byThreadMicros: Record<string, number> = {}
  for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      byThreadMicros[task] = statMicros(`/proc/${pid}/task/${task}/stat`)
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return { totalMicros: statMicros(`/proc/${pid}/stat`), byThreadMicros }
}

export function cpuDifference(after: ProcessCpu, before: ProcessCpu): ProcessCpu {
  const byThreadMicros: Record<string, number> = {}
  for (const [name, micros] of Object.entries(after.byThreadMicros)) {
    byThreadMicros[name] = micros - (before.byThreadMicros[name] ?? 0)
  }
  return { totalMicros: after.totalMicros - before.totalMicros, byThreadMicros }
}

/** The main thread's share and the busiest other thread's (the journal worker under load). */
export function cpuSplit(cpu: ProcessCpu, pid: number): { main: number; busiestOther: number } {
  let busiestOther = 0
  for (const [task, micros] of Object.entries(cpu.byThreadMicros)) {
    if (task !== String(pid)) busiestOther = Math.max(busiestOther, micros)
  }
  return { main: cpu.byThreadMicros[String(pid)] ?? 0, busiestOther }
}
