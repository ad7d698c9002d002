/**
 * The daemon's one hook into operations: the status source, the `status` control command, and
 * the metrics endpoint and web console when their settings turn them on (ops-settings.ts).
 * While the console is on, the node is sampled every OPS_STATUS_SAMPLE_INTERVAL_MS so the
 * timeline catches changes nobody was looking at.
 */
import { ConsoleServer, type ConsoleCommands } from '../console/console-server.js'
import { OPS_STATUS_SAMPLE_INTERVAL_MS } from '../constants.js'
import type { CommandHandler } from '../daemon/control-server.js'
import type { DaemonContext } from '../daemon/daemon-context.js'
import { drStatusContributor } from './dr-contributor.js'
import { haStatusContributor } from './ha-contributor.js'
import { MetricsServer } from './metrics-server.js'
import type { OpsSettings } from './ops-settings.js'
import { StatusSource } from './status-source.js'

export class OpsServers {
  private metrics: MetricsServer | undefined
  private console: ConsoleServer | undefined
  private sampler: NodeJS.Timeout | undefined

  private sampling = false

  constructor(
    private readonly daemon: DaemonContext,
    readonly status: StatusSource = new StatusSource(daemon),
  ) {
    status.addContributor(haStatusContributor(daemon))
    status.addContributor(drStatusContributor(daemon))
  }

  /** Control commands: `status` answers the snapshot as its data. */
  commands(): Map<string, CommandHandler> {
    return new Map<string, CommandHandler>([
      [
        'status',
        async () => ({ exitCode: 0, output: [], errors: [], data: await this.status.snapshot() }),
      ],
    ])
  }

  async start(settings: OpsSettings, commands: ConsoleCommands): Promise<void> {
    const logger = this.daemon.logger
    try {
      if (settings.metricsPort !== undefined) {
        this.metrics = await MetricsServer.listen(this.status, settings.metricsPort, logger)
      }
      if (settings.consolePort !== undefined) {
        this.console = await ConsoleServer.listen(
          this.status,
          commands,
          settings.consolePort,
          logger,
        )
        this.sampler = setInterval(() => void this.sample(), OPS_STATUS_SAMPLE_INTERVAL_MS)
      }
    } catch (error) {
      await this.close()
      throw error
    }
  }

  get ports(): { metrics: number | undefined; console: number | undefined } {
    return { metrics: this.metrics?.port, console: this.console?.port }
  }

  async close(): Promise<void> {
    clearInterval(this.sampler)
    await this.metrics?.close()
    await this.console?.close()
  }

  private async sample(): Promise<void> {
    // An HA snapshot asks the peers (up to HA_STATUS_REQUEST_TIMEOUT_MS for a frozen one):
    // samples never pile up behind a slow one.
    if (this.sampling) return
    this.sampling = true
    try {
      await this.status.snapshot()
    } catch (error) {
      this.daemon.logger.warn({ err: error }, 'status sample failed')
    } finally {
      this.sampling = false
    }
  }
}
