/**
 * A DR queue manager's role on this node, in `dr.json` beside qmgr.json (qmgr.json is written
 * once by crtmqm; the role changes with rdqmdr). `started`: the primary was started by strmqm
 * and not ended by endmqm, so a restarted qmqd opens it again (a primary whose node crashed
 * comes back as primary, as RDQM's does: if the other side was promoted meanwhile, both show
 * Partitioned and the administrator chooses).
 */
import fs from 'node:fs'
import { join } from 'node:path'
import type { QueueManagerPaths } from '../daemon/node-paths.js'
import { writeJsonAtomically } from '../daemon/queue-manager-config.js'

export type DrRole = 'primary' | 'secondary'

export interface DrState {
  readonly role: DrRole
  readonly started: boolean
}

export function drStatePath(paths: QueueManagerPaths): string {
  return join(paths.root, 'dr.json')
}

export function readDrState(paths: QueueManagerPaths): DrState {
  const value = JSON.parse(fs.readFileSync(drStatePath(paths), 'utf8')) as Partial<DrState>
  const role = value.role === 'primary' ? 'primary' : 'secondary'
  return { role, started: value.started === true }
}

export function writeDrState(paths: QueueManagerPaths, state: DrState): void {
  writeJsonAtomically(drStatePath(paths), state)
}
