/**
 * How the sample programs (amqsput, amqsget, amqsbcg, amqsblst) find their queue manager, in
 * MQ's order of precedence:
 *   1. -x host(port)[,host(port)...]   a connection-name list, tried in order
 *   2. MQSERVER=CHANNEL/TCP/host(port) as MQ's client samples (amqsputc) read it
 *   3. the local node: the daemon of QMQ_HOME says where the named queue manager listens (with
 *      no name: the node's only queue manager)
 * Local failures become MQ's MQCONN reasons: 2058 (Q_MGR_NAME_ERROR) for a name the node does
 * not know, 2059 (Q_MGR_NOT_AVAILABLE) for one that is not running. The daemon is never
 * started for this: a queue manager cannot run without it.
 */
import fs from 'node:fs'
import { connect, type QueueManagerConnection } from '../client/index.js'
import { sendControlRequest, DaemonNotRunning } from '../daemon/control-client.js'
import { queueManagerPaths } from '../daemon/node-paths.js'
import type { LocateResult } from '../daemon/query-commands.js'
import { isValidQueueManagerName } from '../daemon/queue-manager-config.js'
import { CompCode, MQError, Reason, isMQError } from '../errors.js'
import { localNode } from './command-line.js'

export interface ConnectionTarget {
  readonly connName: string
  /** '' lets any queue manager at connName answer. */
  readonly queueManager: string
}

/** Addresses a listener bound to every interface is reached on from this host. */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', ''])

export async function resolveTarget(
  queueManager: string | undefined,
  connectionNames: string | undefined,
): Promise<ConnectionTarget> {
  if (connectionNames !== undefined && connectionNames !== '') {
    return { connName: connectionNames, queueManager: queueManager ?? '' }
  }
  const server = process.env['MQSERVER']
  if (server !== undefined && server !== '') {
    return { connName: server, queueManager: queueManager ?? '' }
  }
  const located = await locateLocal(queueManager)
  const host = WILDCARD_HOSTS.has(located.host) ? '127.0.0.1' : located.host
  return { connName: `${host}(${located.port})`, queueManager: located.queueManager }
}

async function locateLocal(queueManager: string | undefined): Promise<LocateResult> {
  const node = localNode()
  let response
  try {
    response = await sendControlRequest(node, 'locate', { queueManager })
  } catch (error) {
    if (!(error instanceof DaemonNotRunning)) throw error
    const known =
      queueManager !== undefined &&
      isValidQueueManagerName(queueManager) &&
      fs.existsSync(queueManagerPaths(node, queueManager).config)
    throw connectFailure(known ? Reason.Q_MGR_NOT_AVAILABLE : Reason.Q_MGR_NAME_ERROR)
  }
  if (response.exitCode !== 0) throw connectFailure(Reason.Q_MGR_NAME_ERROR)
  const located = response.data as LocateResult
  if (!located.running) throw connectFailure(Reason.Q_MGR_NOT_AVAILABLE)
  return located
}

function connectFailure(reason: number): MQError {
  return new MQError(reason, 'queue manager not found on this node', CompCode.FAILED)
}

/** Resolves the target and connects; every failure is an MQError (MQCONNX's reason). */
export async function connectTo(
  queueManager: string | undefined,
  connectionNames: string | undefined,
  clientName: string,
): Promise<QueueManagerConnection> {
  const target = await resolveTarget(queueManager, connectionNames)
  return connect({ ...target, clientName })
}

/** The MQ reason code of a failure; anything that is not an MQError is 2195 (unexpected). */
export function reasonOf(error: unknown): number {
  return isMQError(error) ? error.reason : Reason.UNEXPECTED_ERROR
}
