/**
 * Where plain TCP may listen, and the client listener's TLS files.
 *
 * Plain TCP is for loopback (development, a sidecar on the same host): a listener on any other
 * address without TLS is refused at start unless the operator says so (qmgr.json
 * "allowPlaintext": true, or QMQ_ALLOW_PLAINTEXT=1 for the daemon), because over a network
 * every password and message body would travel in the clear.
 *
 * TLS files, in `<queue manager directory>/ssl/`: key.pem and cert.pem (the listener's own),
 * optionally ca.pem (the CA that signs client certificates: clients may then present one, and
 * its subject CN becomes their user) and crl.pem (revoked client certificates).
 */
import fs from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import type { SecureVersion } from 'node:tls'
import { ErrorCode, QmqError } from '../errors.js'

export interface ServerTlsFiles {
  readonly key: string | Buffer
  readonly cert: string | Buffer
  /** The CA of client certificates; without it clients are not asked for one. */
  readonly ca?: string | Buffer
  readonly crl?: string | Buffer
  /** TLSv1.3 unless an operator must serve older clients. */
  readonly minVersion?: SecureVersion
}

/** 127.0.0.0/8, ::1 and 'localhost': addresses no other host can reach. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true
  if (net.isIPv4(host)) return host.startsWith('127.')
  if (host.startsWith('::ffff:')) return isLoopbackHost(host.slice('::ffff:'.length))
  return false
}

/** Throws when a listener on `host` would be plain TCP reachable from other hosts. */
export function checkPlaintextListener(
  host: string,
  tlsOn: boolean,
  allowPlaintext: boolean,
): void {
  if (tlsOn || allowPlaintext || isLoopbackHost(host)) return
  throw new QmqError(
    ErrorCode.CONFIG_INVALID,
    `refusing to listen in plain TCP on ${host}, which is not loopback: put key.pem and ` +
      `cert.pem in the queue manager's ssl/ directory for TLS, or set "allowPlaintext": true ` +
      `in qmgr.json (QMQ_ALLOW_PLAINTEXT=1) to accept cleartext passwords and messages`,
    { host },
  )
}

/** The listener's TLS files from `directory` (ssl/), or undefined when it has no key.pem. */
export function readServerTls(directory: string): ServerTlsFiles | undefined {
  const path = (name: string): string => join(directory, name)
  if (!fs.existsSync(path('key.pem'))) return undefined
  const optional = (name: string): Buffer | undefined =>
    fs.existsSync(path(name)) ? fs.readFileSync(path(name)) : undefined
  return {
    key: fs.readFileSync(path('key.pem')),
    cert: fs.readFileSync(path('cert.pem')),
    ca: optional('ca.pem'),
    crl: optional('crl.pem'),
  }
}
