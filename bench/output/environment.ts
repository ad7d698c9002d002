/** Where a run happened: machine, operating system, Node and QuorumMQ versions. */
import { existsSync, readFileSync } from 'node:fs'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { MachineInfo } from '../types.js'

/** The package root, found by walking up from this file (bench/ or dist/bench/ below it). */
export function packageRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url))
  for (let depth = 0; depth < 8; depth++) {
    if (existsSync(join(directory, 'package.json'))) return directory
    const parent = dirname(directory)
    if (parent === directory) break
    directory = parent
  }
  throw new Error('package.json not found above the benchmark harness')
}

export function quorumMqVersion(): string {
  const manifest = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {
    version?: string
  }
  return manifest.version ?? 'unknown'
}

export function loadAverage(): number[] {
  return os.loadavg().map((value) => Math.round(value * 100) / 100)
}

/** Distribution name from /etc/os-release when present (Linux), else the platform. */
function operatingSystem(): string {
  try {
    const release = readFileSync('/etc/os-release', 'utf8')
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(release)
    if (pretty?.[1] !== undefined) return pretty[1]
  } catch {
    // Not Linux, or a minimal image: the platform name is the best available.
  }
  return `${os.type()} ${os.release()}`
}

export function machineInfo(loadAverageAtStart: readonly number[]): MachineInfo {
  const cpus = os.cpus()
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryBytes: os.totalmem(),
    os: operatingSystem(),
    kernel: `${os.type()} ${os.release()} ${os.version()}`,
    arch: os.arch(),
    hostname: os.hostname(),
    loadAverageAtStart,
    loadAverageAtEnd: loadAverage(),
  }
}
