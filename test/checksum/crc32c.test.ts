/**
 * Goal: crc32c is exactly CRC32C (Castagnoli) on both implementations, for any range of any
 * Uint8Array (plain, Buffer, SharedArrayBuffer-backed, offset views), summed whole or in pieces;
 * and a missing or broken native module degrades to the portable implementation.
 * Method: published check values (CRC catalogue, RFC 3720 B.4); a bit-at-a-time reference
 * implementation written from the polynomial alone; fast-check properties (fixed seed) comparing
 * native, portable and reference on random inputs, ranges and split points; an injected loader
 * standing in for the native package.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AssertionError } from '../../src/assert.js'
import {
  CRC32C_CHECK_VALUE,
  NATIVE_CROSSOVER_BYTES,
  crc32c,
  crc32cAppend,
  crc32cImplementation,
  crc32cNativeAppend,
  crc32cPortable,
  crc32cPortableAppend,
  loadNativeCrc32c,
} from '../../src/checksum/crc32c.js'

const PROPERTY_SEED = 0x43524333
const PROPERTY_RUNS = 300

/** CRC32C one bit at a time, straight from the definition: the oracle for everything else. */
function referenceCrc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff
  for (const byte of bytes) {
    crc ^= byte
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1
  }
  return ~crc >>> 0
}

const ascending = Uint8Array.from({ length: 32 }, (_, index) => index)
const vectors: readonly (readonly [string, Uint8Array, number])[] = [
  ['"123456789" (catalogue check value)', new TextEncoder().encode('123456789'), 0xe3069283],
  ['32 zero bytes (RFC 3720 B.4)', new Uint8Array(32), 0x8a9136aa],
  ['32 0xFF bytes (RFC 3720 B.4)', new Uint8Array(32).fill(0xff), 0x62a8ab43],
  ['0..31 ascending (RFC 3720 B.4)', ascending, 0x46dd794e],
  ['31..0 descending (RFC 3720 B.4)', ascending.slice().reverse(), 0x113fdb5c],
  ['empty input', new Uint8Array(0), 0],
]

type Checksum = (previous: number, bytes: Uint8Array, start?: number, end?: number) => number
const implementations: readonly (readonly [string, Checksum])[] = [
  ['crc32cAppend (dispatch)', crc32cAppend],
  ['portable', crc32cPortableAppend],
  ...(crc32cNativeAppend === null ? [] : [['native', crc32cNativeAppend] as const]),
]

/** Deterministic bytes (xorshift32), so long inputs need no fixture file. */
function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length)
  let state = seed
  for (let index = 0; index < length; index++) {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    bytes[index] = state & 0xff
  }
  return bytes
}

describe('crc32c known vectors', () => {
  it('the reference implementation agrees with the published values', () => {
    for (const [, input, expected] of vectors) expect(referenceCrc32c(input)).toBe(expected)
  })

  it.each(implementations)('%s gives the published values', (_, checksum) => {
    for (const [name, input, expected] of vectors) {
      expect(checksum(0, input), name).toBe(expected)
    }
  })

  it('the exported check value is the catalogue one', () => {
    expect(CRC32C_CHECK_VALUE).toBe(0xe3069283)
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(CRC32C_CHECK_VALUE)
  })

  it('1 MiB of pseudo-random bytes matches the bit-at-a-time reference', () => {
    const input = pseudoRandomBytes(1024 * 1024, 0x9e3779b9)
    const expected = referenceCrc32c(input)
    for (const [, checksum] of implementations) expect(checksum(0, input)).toBe(expected)
  })

  it('results are unsigned 32-bit integers', () => {
    const value = crc32c(new TextEncoder().encode('123456789'))
    expect(value).toBeGreaterThan(0x7fffffff)
    expect(Number.isInteger(value)).toBe(true)
  })

  it('the native module is in use on this platform (the fast path did not silently degrade)', () => {
    expect(crc32cImplementation).toBe('native')
    expect(crc32cNativeAppend).not.toBeNull()
  })
})

describe('crc32c ranges and memory kinds', () => {
  it('sums exactly bytes [start, end) of the input', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2 * NATIVE_CROSSOVER_BYTES + 64 }),
        fc.nat(),
        fc.nat(),
        (input, first, second) => {
          const start = first % (input.length + 1)
          const end = start + (second % (input.length - start + 1))
          const expected = referenceCrc32c(input.slice(start, end))
          expect(crc32c(input, start, end)).toBe(expected)
          for (const [, checksum] of implementations) {
            expect(checksum(0, input, start, end)).toBe(expected)
          }
        },
      ),
      { seed: PROPERTY_SEED, numRuns: PROPERTY_RUNS },
    )
  })

  it('native and portable agree on random inputs of every size class', () => {
    const size = fc.oneof(
      fc.integer({ min: 0, max: 16 }),
      fc.integer({ min: NATIVE_CROSSOVER_BYTES - 8, max: NATIVE_CROSSOVER_BYTES + 8 }),
      fc.integer({ min: 0, max: 70_000 }),
    )
    fc.assert(
      fc.property(
        size.chain((length) => fc.uint8Array({ minLength: length, maxLength: length })),
        (input) => {
          const portable = crc32cPortable(input)
          expect(crc32c(input)).toBe(portable)
          if (crc32cNativeAppend !== null) expect(crc32cNativeAppend(0, input)).toBe(portable)
        },
      ),
      { seed: PROPERTY_SEED, numRuns: 100 },
    )
  })

  it('continuing from a previous CRC equals summing the joined input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1024 }), fc.nat(), (input, split) => {
        const cut = split % (input.length + 1)
        const expected = crc32c(input)
        for (const [, checksum] of implementations) {
          const head = checksum(0, input, 0, cut)
          expect(checksum(head, input, cut, input.length)).toBe(expected)
          expect(checksum(head, input.subarray(cut))).toBe(expected)
        }
      }),
      { seed: PROPERTY_SEED, numRuns: PROPERTY_RUNS },
    )
  })

  it('reads views in place: Buffer, SharedArrayBuffer and offset views give the same sums', () => {
    for (const length of [5, 40, NATIVE_CROSSOVER_BYTES, 5000]) {
      const input = pseudoRandomBytes(length, length)
      const expected = referenceCrc32c(input)
      const shared = new Uint8Array(new SharedArrayBuffer(length + 16), 3, length)
      shared.set(input)
      const offsetView = new Uint8Array(length + 11).subarray(7, 7 + length)
      offsetView.set(input)
      const buffer = Buffer.from(input)
      for (const view of [shared, offsetView, buffer]) {
        expect(crc32c(view)).toBe(expected)
        expect(crc32cPortable(view)).toBe(expected)
      }
      const within = new Uint8Array(new SharedArrayBuffer(length + 100))
      within.set(input, 50)
      expect(crc32c(within, 50, 50 + length)).toBe(expected)
    }
  })

  it('rejects ranges outside the input as programmer errors', () => {
    const input = new Uint8Array(300)
    for (const [, checksum] of implementations) {
      expect(() => checksum(0, input, 10, 5)).toThrow(AssertionError)
      expect(() => checksum(0, input, 0, 301)).toThrow(AssertionError)
      expect(() => checksum(0, input, -1, 5)).toThrow(AssertionError)
      expect(() => checksum(0, input, 1.5, 5)).toThrow(AssertionError)
    }
  })
})

describe('loadNativeCrc32c', () => {
  const realNative = {
    crc32c: (input: Uint8Array, initial?: number) => crc32cPortableAppend(initial ?? 0, input),
  }

  it('accepts a module whose crc32c passes the check vector and continuation', () => {
    expect(loadNativeCrc32c(() => realNative)).toBe(realNative.crc32c)
  })

  it('falls back (returns null) when loading throws, as for a missing prebuilt binary', () => {
    const missing = (): unknown => {
      throw new Error('Cannot find native binding')
    }
    expect(loadNativeCrc32c(missing)).toBeNull()
  })

  it('falls back when the module has no crc32c function', () => {
    expect(loadNativeCrc32c(() => ({}))).toBeNull()
    expect(loadNativeCrc32c(() => null)).toBeNull()
    expect(loadNativeCrc32c(() => ({ crc32c: 42 }))).toBeNull()
  })

  it('falls back when the native function gives wrong answers', () => {
    expect(loadNativeCrc32c(() => ({ crc32c: () => 0 }))).toBeNull()
    // Right for a whole input, but ignores the initial state: continuation would be wrong.
    const noContinuation = { crc32c: (input: Uint8Array) => crc32cPortable(input) }
    expect(loadNativeCrc32c(() => noContinuation)).toBeNull()
    const throwing = {
      crc32c: () => {
        throw new TypeError('bad input')
      },
    }
    expect(loadNativeCrc32c(() => throwing)).toBeNull()
  })
})
