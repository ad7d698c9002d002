/**
 * One member-main process as the chaos driver sees it: its stdout events (JSON lines with an
 * "event" field) kept in order, everything it says appended to its log file, and signals sent
 * to its own pid. (The launcher in test/replication-runtime/ is moving out of test/ this round;
 * this one also keeps the log open until the exit line is written: stderr ending first must not
 * end the file.)
 */
import type { ChildProcess } from 'node:child_process'
import fs from 'node:fs'

export interface MemberEvent {
  readonly event: string
  readonly [field: string]: unknown
}

export class MemberProcess {
  readonly events: MemberEvent[] = []
  readonly exited: Promise<number | null>
  private readonly listeners = new Set<() => void>()
  private buffered = ''

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    logPath: string,
  ) {
    const log = fs.createWriteStream(logPath, { flags: 'a' })
    child.stdout!.setEncoding('utf8')
    child.stdout!.on('data', (chunk: string) => {
      log.write(chunk)
      this.read(chunk)
    })
    child.stderr!.pipe(log, { end: false })
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        log.end(`${JSON.stringify({ exit: code, signal, pid: child.pid })}\n`)
        resolve(code)
      }),
    )
  }

  get pid(): number {
    return this.child.pid!
  }

  /** The first event after `from` (already seen or to come) that matches. */
  waitFor(match: (event: MemberEvent) => boolean, timeoutMs: number, from = 0) {
    return new Promise<MemberEvent>((resolve, reject) => {
      const check = (): void => {
        const found = this.events.slice(from).find(match)
        if (found === undefined) return
        this.listeners.delete(check)
        clearTimeout(timer)
        resolve(found)
      }
      const timer = setTimeout(() => {
        this.listeners.delete(check)
        reject(new Error(`${this.name}: no matching event in ${timeoutMs} ms`))
      }, timeoutMs)
      this.listeners.add(check)
      check()
    })
  }

  command(line: string): void {
    if (this.child.stdin!.writable) this.child.stdin!.write(`${line}\n`)
  }

  signal(signal: NodeJS.Signals): void {
    process.kill(this.pid, signal)
  }

  async kill9(): Promise<void> {
    this.signal('SIGKILL')
    await this.exited
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    this.signal('SIGCONT')
    this.signal('SIGTERM')
    const timer = setTimeout(() => this.signal('SIGKILL'), 5_000)
    await this.exited
    clearTimeout(timer)
  }

  private read(chunk: string): void {
    this.buffered += chunk
    const lines = this.buffered.split('\n')
    this.buffered = lines.pop()!
    for (const line of lines) {
      if (line.startsWith('{"event"')) this.events.push(JSON.parse(line) as MemberEvent)
    }
    for (const listener of [...this.listeners]) listener()
  }
}
