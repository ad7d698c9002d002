/**
 * What dspmq -o all calls the installation: QuorumMQ's name, where the package is and its
 * version (MQ's INSTNAME, INSTPATH, INSTVER).
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { packageRoot } from '../runtime/package-root.js'

export const INSTALLATION_NAME = 'QuorumMQ'
export const INSTALLATION_PATH = packageRoot

let version: string | undefined

export function installationVersion(): string {
  version ??= (
    JSON.parse(fs.readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }
  ).version
  return version
}
