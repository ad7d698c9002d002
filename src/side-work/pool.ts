/**
 * The side-work pool (piscina). One thread is enough on two cores: the jobs are disk-bound and
 * rare; what matters is that they run beside, not on, the main thread and the journal worker.
 */
import { Piscina } from 'piscina'
import { compiledModuleUrl } from '../runtime/package-root.js'
import type { PrepareSegmentTask, WriteFileTask } from './tasks.js'

export class SideWorkPool {
  private readonly pool: Piscina

  constructor(threads = 1) {
    this.pool = new Piscina({
      filename: compiledModuleUrl('side-work/tasks').href,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: 60_000,
    })
  }

  prepareSegment(task: PrepareSegmentTask): Promise<void> {
    return this.pool.run(task, { name: 'prepareSegment' }) as Promise<void>
  }

  writeFileDurably(task: WriteFileTask): Promise<void> {
    return this.pool.run(task, { name: 'writeFileDurably' }) as Promise<void>
  }

  async close(): Promise<void> {
    await this.pool.destroy()
  }
}
