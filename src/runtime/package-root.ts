/**
 * Worker threads must load compiled JavaScript (Node 20 cannot run a .ts worker), and the same
 * code runs from src/ under vitest and from dist/src/ in production. Both find the package root
 * by walking up to package.json, and workers are always taken from <root>/dist/src/.
 */
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { assert } from '../assert.js'

function findPackageRoot(start: string): string {
  let directory = start
  for (let depth = 0; depth < 10; depth++) {
    if (existsSync(join(directory, 'package.json'))) return directory
    const parent = dirname(directory)
    if (parent === directory) break
    directory = parent
  }
  throw new Error(`package.json not found above ${start}`)
}

export const packageRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)))

/** URL of a compiled module from its path below src/, no extension ('actors/journal/worker'). */
export function compiledModuleUrl(pathBelowSrc: string): URL {
  const file = join(packageRoot, 'dist', 'src', `${pathBelowSrc}.js`)
  assert(existsSync(file), `compiled module missing: ${file} (run npm run build)`)
  return pathToFileURL(file)
}
