/**
 * The DR side of one qmqd: the DR queue managers it hosts. At daemon start each secondary's
 * member opens (it receives the primary's log while qmqd runs) and each primary that was
 * running when qmqd ended opens again; qmqd stop closes them all and keeps their roles.
 */
import type { Logger } from '../log.js'
import { queueManagerPaths, type NodePaths } from '../daemon/node-paths.js'
import { listQueueManagerNames, readConfig } from '../daemon/queue-manager-config.js'
import { HostedDrQueueManager } from './hosted-dr-queue-manager.js'

export class DrNode {
  private readonly hostedQueueManagers = new Map<string, HostedDrQueueManager>()

  constructor(
    readonly paths: NodePaths,
    readonly logger: Logger,
  ) {}

  /** The hosted DR queue manager of that name, if it is one. */
  hosted(name: string): HostedDrQueueManager | undefined {
    let hosted = this.hostedQueueManagers.get(name)
    if (hosted !== undefined) return hosted
    const paths = queueManagerPaths(this.paths, name)
    let config
    try {
      config = readConfig(paths)
    } catch {
      return undefined
    }
    if (config.dr === undefined) return undefined
    hosted = new HostedDrQueueManager(name, paths, config, this.logger.child({ qm: name }))
    this.hostedQueueManagers.set(name, hosted)
    return hosted
  }

  knownHosted(name: string): HostedDrQueueManager | undefined {
    return this.hostedQueueManagers.get(name)
  }

  all(): HostedDrQueueManager[] {
    return [...this.hostedQueueManagers.values()]
  }

  forget(name: string): void {
    this.hostedQueueManagers.delete(name)
  }

  async start(): Promise<void> {
    for (const name of listQueueManagerNames(this.paths)) {
      const hosted = this.hosted(name)
      if (hosted === undefined) continue
      await hosted.resume().catch((error: unknown) => {
        this.logger.error({ err: error, qm: name }, 'DR queue manager did not resume')
      })
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.all().map((hosted) => hosted.stop()))
  }
}
