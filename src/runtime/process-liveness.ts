/**
 * Whether a pid names a live process. `process.kill(pid, 0)` also succeeds for a zombie (a
 * process that has exited but whose parent has not reaped it yet): a daemon killed with -9 stays
 * one for a moment, and a lock that trusted it refused to be taken over. On Linux the state in
 * /proc/<pid>/stat tells a zombie ('Z') or a dead task ('X') apart.
 */
import fs from 'node:fs'

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
  return !isZombie(pid)
}

function isZombie(pid: number): boolean {
  let stat: string
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    // Without /proc (not Linux) kill(0) is all we know; with it, the process just vanished.
    return fs.existsSync('/proc/self/stat')
  }
  // "pid (command) S ...": the command may hold spaces and parentheses, so take the last ')'.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
  return state === 'Z' || state === 'X'
}
