import fs from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'

/** A fresh directory under the OS temp dir; removed by the returned cleanup. */
export function temporaryDirectory(prefix: string): { path: string; remove: () => void } {
  const path = fs.mkdtempSync(join(os.tmpdir(), `qmq-${prefix}-`))
  return { path, remove: () => fs.rmSync(path, { recursive: true, force: true }) }
}
