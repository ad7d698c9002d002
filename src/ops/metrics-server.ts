/**
 * The Prometheus endpoint: GET /metrics on its own port (ops-settings.ts), loopback only.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import { OPS_LISTEN_HOST } from '../constants.js'
import type { Logger } from '../log.js'
import { NodeMetrics } from './metrics.js'
import type { StatusSource } from './status-source.js'

export class MetricsServer {
  private constructor(
    private readonly app: FastifyInstance,
    readonly port: number,
  ) {}

  static async listen(source: StatusSource, port: number, logger: Logger): Promise<MetricsServer> {
    const metrics = new NodeMetrics({ processMetrics: true })
    const app = Fastify({ logger: false })
    const scrapes = { tail: Promise.resolve() as Promise<unknown> }
    app.get('/metrics', async (_request, reply) => {
      // One scrape at a time: each sets every metric from its own snapshot.
      const text = scrapes.tail.then(async () => metrics.render(await source.snapshot()))
      scrapes.tail = text.catch(() => undefined)
      return reply.type(metrics.contentType).send(await text)
    })
    app.get('/', (_request, reply) => reply.type('text/plain').send('QuorumMQ metrics: /metrics\n'))
    await app.listen({ host: OPS_LISTEN_HOST, port })
    const address = app.server.address()
    const bound = typeof address === 'object' && address !== null ? address.port : port
    logger.info({ host: OPS_LISTEN_HOST, port: bound }, 'metrics endpoint listening')
    return new MetricsServer(app, bound)
  }

  close(): Promise<void> {
    return this.app.close()
  }
}
