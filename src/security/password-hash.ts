/**
 * Passwords as slow salted hashes: scrypt from Node's crypto, stored as one self-describing
 * string `scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>`, so the cost can be raised later and
 * old hashes still verify. Comparison is crypto.timingSafeEqual over equal-length digests, so
 * the time taken says nothing about how much of a guess was right.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import { assert } from '../assert.js'
import {
  MAX_PASSWORD_BYTES,
  PASSWORD_HASH_BYTES,
  PASSWORD_SALT_BYTES,
  PASSWORD_SCRYPT_BLOCK_SIZE,
  PASSWORD_SCRYPT_COST,
  PASSWORD_SCRYPT_PARALLELISM,
} from '../constants.js'

const PREFIX = 'scrypt'
/** scrypt's memory is 128·N·r bytes; Node refuses above maxmem (32 MiB by default). */
const SCRYPT_MAX_MEMORY_BYTES = 64 * 1024 * 1024

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, PASSWORD_HASH_BYTES, options, (error, key) => {
      if (error === null) resolve(key)
      else reject(error)
    })
  })
}

function costOptions(cost: number, blockSize: number, parallelism: number): ScryptOptions {
  return { N: cost, r: blockSize, p: parallelism, maxmem: SCRYPT_MAX_MEMORY_BYTES }
}

/** A new salted hash of `password`, in the stored form. */
export async function hashPassword(password: string): Promise<string> {
  assert(Buffer.byteLength(password) <= MAX_PASSWORD_BYTES, 'password length checked by caller')
  const salt = randomBytes(PASSWORD_SALT_BYTES)
  const [cost, blockSize, parallelism] = [
    PASSWORD_SCRYPT_COST,
    PASSWORD_SCRYPT_BLOCK_SIZE,
    PASSWORD_SCRYPT_PARALLELISM,
  ]
  const key = await derive(password, salt, costOptions(cost, blockSize, parallelism))
  const parts = [PREFIX, cost, blockSize, parallelism, salt.toString('base64')]
  return [...parts, key.toString('base64')].join('$')
}

interface ParsedHash {
  readonly options: ScryptOptions
  readonly salt: Buffer
  readonly key: Buffer
}

function parseHash(stored: string): ParsedHash | undefined {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== PREFIX) return undefined
  const [cost, blockSize, parallelism] = parts.slice(1, 4).map(Number)
  if (![cost, blockSize, parallelism].every((n) => Number.isInteger(n) && n! > 0)) return undefined
  const salt = Buffer.from(parts[4]!, 'base64')
  const key = Buffer.from(parts[5]!, 'base64')
  if (salt.length === 0 || key.length !== PASSWORD_HASH_BYTES) return undefined
  return { options: costOptions(cost!, blockSize!, parallelism!), salt, key }
}

/** A hash that matches no password: checked when the user is unknown, so timing is the same. */
const DECOY = `${PREFIX}$${PASSWORD_SCRYPT_COST}$${PASSWORD_SCRYPT_BLOCK_SIZE}$${PASSWORD_SCRYPT_PARALLELISM}$${Buffer.alloc(PASSWORD_SALT_BYTES).toString('base64')}$${Buffer.alloc(PASSWORD_HASH_BYTES).toString('base64')}`

/**
 * Whether `password` matches `stored`. An unknown user (stored undefined) or a damaged hash
 * costs one full scrypt too and answers false, so neither is told apart by its timing.
 */
export async function verifyPassword(
  password: string,
  stored: string | undefined,
): Promise<boolean> {
  const parsed = parseHash(stored ?? DECOY)
  const usable = parsed ?? parseHash(DECOY)
  assert(usable !== undefined, 'the decoy hash parses')
  const tooLong = Buffer.byteLength(password) > MAX_PASSWORD_BYTES
  const key = await derive(tooLong ? '' : password, usable.salt, usable.options)
  const equal = timingSafeEqual(key, usable.key)
  return equal && parsed !== undefined && stored !== undefined && !tooLong
}
