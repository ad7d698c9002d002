/**
 * The node's default queue manager (crtmqm -q), which commands given no queue-manager name use,
 * as MQ's DefaultQueueManager stanza in mqs.ini. Kept in <home>/node.json. Without a default, a
 * node with exactly one queue manager uses that one (a QuorumMQ convenience).
 */
import fs from 'node:fs'
import { CommandFailure } from './command-failure.js'
import type { NodePaths } from './node-paths.js'
import {
  listQueueManagerNames,
  requireValidName,
  writeJsonAtomically,
} from './queue-manager-config.js'

interface NodeConfig {
  readonly formatVersion: 1
  readonly defaultQueueManager?: string
}

function readNodeConfig(paths: NodePaths): NodeConfig {
  try {
    const value = JSON.parse(fs.readFileSync(paths.nodeConfig, 'utf8')) as NodeConfig
    return value.formatVersion === 1 ? value : { formatVersion: 1 }
  } catch {
    return { formatVersion: 1 }
  }
}

export function defaultQueueManager(paths: NodePaths): string | undefined {
  const name = readNodeConfig(paths).defaultQueueManager
  return typeof name === 'string' && name !== '' ? name : undefined
}

export function setDefaultQueueManager(paths: NodePaths, name: string | undefined): void {
  const { defaultQueueManager: _previous, ...rest } = readNodeConfig(paths)
  const next: NodeConfig = name === undefined ? rest : { ...rest, defaultQueueManager: name }
  writeJsonAtomically(paths.nodeConfig, next)
}

/** dltmqm: the default goes with its queue manager. */
export function forgetDefaultIf(paths: NodePaths, name: string): void {
  if (defaultQueueManager(paths) === name) setDefaultQueueManager(paths, undefined)
}

/**
 * The queue manager a command means: the one named; else the default; else the only one.
 * AMQ7048E when none of these gives a name.
 */
export function resolveQueueManagerName(paths: NodePaths, requested: unknown): string {
  if (requested !== undefined && requested !== '') return requireValidName(requested)
  const chosen = defaultQueueManager(paths)
  if (chosen !== undefined) return chosen
  const all = listQueueManagerNames(paths)
  if (all.length === 1) return all[0]!
  throw new CommandFailure('NAME_NOT_VALID')
}
