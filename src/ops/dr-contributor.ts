/**
 * The status source's DR contributor: a DR queue manager hosted here is this site's primary or
 * secondary (its DR state file, as rdqmstatus reads it). The replication details stay in
 * rdqmstatus -m QM; metrics and the console get the role.
 */
import type { DaemonContext } from '../daemon/daemon-context.js'
import type { StatusContributor } from './node-status.js'

export function drStatusContributor(daemon: DaemonContext): StatusContributor {
  return async (name) => {
    const hosted = daemon.dr.knownHosted(name)
    if (hosted === undefined) return undefined
    return { role: hosted.role }
  }
}
