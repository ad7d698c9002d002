/**
 * The web console: qmqd serves a static page (src/console/static/: plain ES modules and SVG, no
 * build step) and the JSON API it reads, on its own port, loopback only until the security
 * issue lands (then it will require the same authentication as the rest).
 *
 *   GET  /                                  the page; /static/<file> its scripts and styles
 *   GET  /api/status                        the node status snapshot (status-source.ts)
 *   GET  /api/timeline                      role and status changes, oldest first
 *   GET  /api/actions                       actions the daemon can run now (console-actions.ts)
 *   POST /api/queue-managers/:name/actions/:action   runs it; the command's reply as JSON
 *                                           (a node action names its node: {"node": "b"})
 *
 * POSTs must be JSON and, when the browser sends an Origin, come from this console's origin:
 * a page elsewhere cannot make a loopback user's browser end a queue manager.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import { CONSOLE_MAX_REQUEST_BYTES, OPS_LISTEN_HOST } from '../constants.js'
import type { CommandReply } from '../daemon/control-protocol.js'
import type { Logger } from '../log.js'
import { packageRoot } from '../runtime/package-root.js'
import type { StatusSource } from '../ops/status-source.js'
import { CONSOLE_ACTIONS, findAction } from './console-actions.js'

export interface ConsoleCommands {
  /** Runs a control command as the control socket would (failures become replies). */
  run(command: string, parameters: Record<string, unknown>): Promise<CommandReply>
  has(command: string): boolean
}

const STATIC_DIRECTORY = join(packageRoot, 'src', 'console', 'static')
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
}

export class ConsoleServer {
  private constructor(
    private readonly app: FastifyInstance,
    readonly port: number,
  ) {}

  static async listen(
    source: StatusSource,
    commands: ConsoleCommands,
    port: number,
    logger: Logger,
  ): Promise<ConsoleServer> {
    const app = Fastify({ logger: false, bodyLimit: CONSOLE_MAX_REQUEST_BYTES })
    registerStatic(app)
    app.get('/api/status', () => source.snapshot())
    app.get('/api/timeline', () => source.events())
    app.get('/api/actions', () => availableActions(commands))
    app.post<{ Params: { name: string; action: string }; Body: unknown }>(
      '/api/queue-managers/:name/actions/:action',
      async (request, reply) => {
        const refusal = crossOriginRefusal(request)
        if (refusal !== undefined) return reply.code(403).send({ errors: [refusal] })
        const action = findAction(request.params.action)
        if (action === undefined || !commands.has(action.command)) {
          return reply.code(404).send({ errors: [`no action '${request.params.action}'`] })
        }
        const { name } = request.params
        const node = nodeOf(request.body)
        if (action.scope === 'node' && node === undefined) {
          return reply.code(400).send({ errors: [`action '${action.id}' needs a node`] })
        }
        logger.info({ qm: name, action: action.id, node }, 'console action')
        const result = await commands.run(action.command, action.parameters(name, node ?? ''))
        // The timeline samples once a second; an action's outcome is recorded at once.
        await source.snapshot()
        return reply.code(result.exitCode === 0 ? 200 : 409).send(result)
      },
    )
    await app.listen({ host: OPS_LISTEN_HOST, port })
    const address = app.server.address()
    const bound = typeof address === 'object' && address !== null ? address.port : port
    logger.info({ host: OPS_LISTEN_HOST, port: bound }, 'web console listening')
    return new ConsoleServer(app, bound)
  }

  close(): Promise<void> {
    return this.app.close()
  }
}

/** The static files, read once: only these names are served, nothing else from disk. */
function registerStatic(app: FastifyInstance): void {
  const files = new Map<string, { type: string; body: Buffer }>()
  for (const name of fs.readdirSync(STATIC_DIRECTORY)) {
    const type = CONTENT_TYPES[name.slice(name.lastIndexOf('.'))]
    if (type !== undefined)
      files.set(name, { type, body: fs.readFileSync(join(STATIC_DIRECTORY, name)) })
  }
  const index = files.get('index.html')
  app.get('/', (_request, reply) => reply.type(index!.type).send(index!.body))
  app.get<{ Params: { file: string } }>('/static/:file', (request, reply) => {
    const file = files.get(request.params.file)
    if (file === undefined) return reply.code(404).send({ errors: ['not found'] })
    return reply.type(file.type).header('cache-control', 'no-cache').send(file.body)
  })
}

function availableActions(commands: ConsoleCommands) {
  return CONSOLE_ACTIONS.filter((action) => commands.has(action.command)).map((action) => ({
    id: action.id,
    label: action.label,
    scope: action.scope,
    haOnly: action.haOnly,
    offeredWhen: action.offeredWhen,
    ...(action.nodeCondition === undefined ? {} : { nodeCondition: action.nodeCondition }),
    confirmation: action.confirmation,
  }))
}

function nodeOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const node = (body as Record<string, unknown>)['node']
  return typeof node === 'string' && node !== '' ? node : undefined
}

function crossOriginRefusal(request: FastifyRequest): string | undefined {
  if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
    return 'actions must be sent as application/json'
  }
  const origin = request.headers.origin
  if (origin !== undefined && origin !== `http://${request.headers.host ?? ''}`) {
    return `actions are refused from origin ${origin}`
  }
  return undefined
}
