/**
 * The commands a node answers on the node channel, each acting on this node only (ha-local.ts):
 *
 *   ping        is this node up and joined (rdqmstatus -n)
 *   ha-ports    ports and names in use here, so crtmqm -sx picks ports free on every node
 *   ha-create   configure a secondary of an HA queue manager (crtmqm -sx on another node)
 *   ha-start    enable HA control and run the member (strmqm anywhere)
 *   ha-end      disable HA control and close the member (endmqm anywhere)
 *   ha-delete   delete this node's copy (dltmqm anywhere)
 *   ha-status   this node's view of one HA queue manager, or the names of all (rdqmstatus)
 *   ha-transfer ask this node's member, if primary, to hand leadership to a node (rdqmadm -p's
 *               switchover)
 *   ha-suspend, ha-resume, ha-set-preferred   rdqmadm -s, -r and -p on this node
 *   ha-set-floating   rdqmint on this node
 */
import type { EndMode } from '../daemon/hosted-queue-manager.js'
import { listQueueManagerNames, readConfig } from '../daemon/queue-manager-config.js'
import { queueManagerPaths } from '../daemon/node-paths.js'
import {
  createLocal,
  deleteLocal,
  endLocal,
  localPorts,
  setPreferredLocal,
  snapshotLocal,
  startLocal,
  type HaCreateRequest,
} from './ha-local.js'
import { floatingAddressOf, setFloatingLocal } from './floating-address.js'
import type { HaNode } from './ha-node.js'
import type { FloatingAddress } from './lifecycle-hooks.js'
import type { NodeCommandHandler } from './node-channel/server.js'

type Parameters = Readonly<Record<string, unknown>>

function text(parameters: Parameters, key: string): string {
  const value = parameters[key]
  return typeof value === 'string' ? value : ''
}

export function haQueueManagerNames(node: HaNode): string[] {
  return listQueueManagerNames(node.paths).filter(
    (name) => readConfig(queueManagerPaths(node.paths, name)).ha !== undefined,
  )
}

function setFloating(node: HaNode, parameters: Parameters): null {
  const floating = parameters['floating'] as FloatingAddress | undefined | null
  const checked =
    floating === undefined || floating === null
      ? undefined
      : floatingAddressOf(floating.address, floating.interface)
  setFloatingLocal(node, text(parameters, 'queueManager'), checked)
  return null
}

export function nodeCommands(
  node: HaNode,
  serialize: <T>(work: () => Promise<T>) => Promise<T>,
): Map<string, NodeCommandHandler> {
  const handlers: [string, NodeCommandHandler][] = [
    ['ping', () => Promise.resolve({ node: node.membership?.self, suspended: node.suspended })],
    ['ha-suspend', () => node.suspend().then(() => null)],
    ['ha-resume', () => Promise.resolve(node.resume()).then(() => null)],
    [
      'ha-set-preferred',
      (parameters) => {
        const preferred = text(parameters, 'preferred')
        setPreferredLocal(node, text(parameters, 'queueManager'), preferred || undefined)
        return Promise.resolve(null)
      },
    ],
    ['ha-set-floating', (parameters) => Promise.resolve(setFloating(node, parameters))],
    ['ha-ports', () => Promise.resolve(localPorts(node))],
    [
      'ha-create',
      (parameters) =>
        serialize(() =>
          Promise.resolve(createLocal(node, parameters as unknown as HaCreateRequest)),
        ),
    ],
    ['ha-start', (parameters) => startLocal(node, text(parameters, 'queueManager'))],
    [
      'ha-end',
      async (parameters) => {
        const mode: EndMode = parameters['mode'] === 'controlled' ? 'controlled' : 'immediate'
        return { wasMember: await endLocal(node, text(parameters, 'queueManager'), mode) }
      },
    ],
    [
      'ha-delete',
      (parameters) =>
        serialize(() =>
          Promise.resolve({ deleted: deleteLocal(node, text(parameters, 'queueManager')) }),
        ),
    ],
    [
      'ha-status',
      (parameters) => {
        const name = text(parameters, 'queueManager')
        if (name === '') return Promise.resolve({ names: haQueueManagerNames(node) })
        return snapshotLocal(node, name)
      },
    ],
    [
      'ha-transfer',
      (parameters) => {
        node
          .knownHosted(text(parameters, 'queueManager'))
          ?.transferLeadership(text(parameters, 'to'))
        return Promise.resolve(null)
      },
    ],
  ]
  return new Map(handlers)
}
