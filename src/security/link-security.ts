/**
 * How a member's replication links are protected, as the worker receives it (plain data, so it
 * crosses to the worker in workerData): the group's shared secret for the HMAC challenge
 * (link-auth.ts) and, optionally, TLS with the group's own CA (every link end presents a
 * certificate the CA signed and requires one from the other end).
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { ErrorCode, QmqError } from '../errors.js'
import { checkSecret } from './link-auth.js'

export interface LinkTlsFiles {
  /** PEM texts: this node's key and certificate, and the group CA that signed every member's. */
  readonly key: string
  readonly cert: string
  readonly ca: string
}

export interface LinkSecurity {
  readonly secret?: Uint8Array
  readonly tls?: LinkTlsFiles
}

/** Reads a secret file (its bytes, a trailing newline dropped); refuses one that is too short. */
export function readSecretFile(path: string): Uint8Array {
  let bytes = fs.readFileSync(path)
  if (bytes.at(-1) === 0x0a) bytes = bytes.subarray(0, -1)
  const problem = checkSecret(bytes)
  if (problem !== undefined) throw new QmqError(ErrorCode.CONFIG_INVALID, `${path}: ${problem}`)
  return new Uint8Array(bytes)
}

/** `<directory>/key.pem`, `cert.pem` and `ca.pem`. */
export function readLinkTls(directory: string): LinkTlsFiles {
  const read = (name: string): string => fs.readFileSync(join(directory, name), 'utf8')
  return { key: read('key.pem'), cert: read('cert.pem'), ca: read('ca.pem') }
}
