/**
 * CRC32C (Castagnoli; reflected polynomial 0x82F63B78, initial and final XOR 0xFFFFFFFF), the
 * checksum of journal records and checkpoint files (ring frames carry none: they never leave
 * memory). Castagnoli rather than IEEE CRC32 because it has better error detection at storage
 * block sizes and CPUs compute it in hardware (SSE4.2, ARMv8).
 *
 * Two implementations behind one function:
 *  - native: @node-rs/crc32 (Rust, hardware CRC) through N-API, loaded synchronously at module
 *    load (createRequire, so no top-level await). About 0.2 ns per byte, but each call pays a
 *    fixed ~150 ns to cross N-API, plus ~70 ns for the subarray view of a sub-range.
 *  - portable: slicing-by-8 in JavaScript, about 1 ns per byte. Used below the crossover where
 *    the fixed cost of the native call exceeds the JS loop, and for everything if the native
 *    module fails to load (no prebuilt binary for the platform) or fails the check vector.
 *
 * Every entry point takes (bytes, start, end) and sums a view of the caller's bytes, never a copy.
 * Results are unsigned 32-bit integers.
 */
import { createRequire } from 'node:module'
import { assert } from '../assert.js'

const CASTAGNOLI_REFLECTED_POLYNOMIAL = 0x82f63b78
/** Bytes consumed per step of the portable loop, and the number of lookup tables it needs. */
const SLICE_BYTES = 8
const TABLE_ENTRIES = 256
/** RFC 3720 B.4 / the usual CRC catalogue check value: CRC32C of ASCII "123456789". */
export const CRC32C_CHECK_VALUE = 0xe3069283
const CHECK_INPUT = new TextEncoder().encode('123456789')

/**
 * Below this many bytes the portable loop beats the native call (bench/crc32c.bench.ts on x64,
 * Node 20: both take ~225 ns at 192-256 bytes). Records without a body (48-176 bytes) therefore
 * never pay for the boundary crossing. A tuning figure, not a limit, so it lives here.
 */
export const NATIVE_CROSSOVER_BYTES = 256

type NativeCrc32c = (input: Uint8Array, initialState?: number) => number

/**
 * Tables T0..T7 laid end to end: T0 is the classic byte table; Tk[n] is the CRC of byte n
 * followed by k zero bytes, so eight bytes fold in with eight independent lookups. Int32Array so
 * the JIT keeps every value an int32 (Uint32Array values above 2^31 would become doubles).
 */
const tables = buildTables()

function buildTables(): Int32Array {
  const result = new Int32Array(SLICE_BYTES * TABLE_ENTRIES)
  for (let byte = 0; byte < TABLE_ENTRIES; byte++) {
    let crc = byte
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 1 ? (crc >>> 1) ^ CASTAGNOLI_REFLECTED_POLYNOMIAL : crc >>> 1
    }
    result[byte] = crc
  }
  for (let slice = 1; slice < SLICE_BYTES; slice++) {
    for (let byte = 0; byte < TABLE_ENTRIES; byte++) {
      const previous = result[(slice - 1) * TABLE_ENTRIES + byte]!
      result[slice * TABLE_ENTRIES + byte] = (previous >>> 8) ^ result[previous & 0xff]!
    }
  }
  return result
}

function assertRange(bytes: Uint8Array, start: number, end: number): void {
  assert(Number.isInteger(start) && start >= 0, 'crc32c: start must be a non-negative integer')
  assert(Number.isInteger(end) && end >= start, 'crc32c: end must be an integer >= start')
  assert(end <= bytes.length, 'crc32c: end beyond the input')
}

/**
 * Portable slicing-by-8 CRC32C of bytes[start, end), continuing from `previous` (the CRC of the
 * bytes before them; 0 to start afresh). Exported for tests and the benchmark.
 */
export function crc32cPortableAppend(
  previous: number,
  bytes: Uint8Array,
  start: number = 0,
  end: number = bytes.length,
): number {
  assertRange(bytes, start, end)
  let crc = ~previous
  let index = start
  const blockEnd = end - ((end - start) % SLICE_BYTES)
  while (index < blockEnd) {
    const low =
      crc ^
      (bytes[index]! |
        (bytes[index + 1]! << 8) |
        (bytes[index + 2]! << 16) |
        (bytes[index + 3]! << 24))
    crc =
      tables[7 * TABLE_ENTRIES + (low & 0xff)]! ^
      tables[6 * TABLE_ENTRIES + ((low >>> 8) & 0xff)]! ^
      tables[5 * TABLE_ENTRIES + ((low >>> 16) & 0xff)]! ^
      tables[4 * TABLE_ENTRIES + (low >>> 24)]! ^
      tables[3 * TABLE_ENTRIES + bytes[index + 4]!]! ^
      tables[2 * TABLE_ENTRIES + bytes[index + 5]!]! ^
      tables[TABLE_ENTRIES + bytes[index + 6]!]! ^
      tables[bytes[index + 7]!]!
    index += SLICE_BYTES
  }
  while (index < end) {
    crc = tables[(crc ^ bytes[index]!) & 0xff]! ^ (crc >>> 8)
    index++
  }
  return ~crc >>> 0
}

/** Portable CRC32C of bytes[start, end). */
export function crc32cPortable(bytes: Uint8Array, start?: number, end?: number): number {
  return crc32cPortableAppend(0, bytes, start, end)
}

/**
 * Loads the native implementation through `load` (injected so tests can simulate a missing or
 * broken binary) and accepts it only if it is a function that gets the check vector right, so a
 * bad binary degrades to the slow path instead of corrupting every checksum.
 */
export function loadNativeCrc32c(load: () => unknown): NativeCrc32c | null {
  try {
    const candidate = (load() as { crc32c?: unknown } | null | undefined)?.crc32c
    if (typeof candidate !== 'function') return null
    const native = candidate as NativeCrc32c
    if (native(CHECK_INPUT) !== CRC32C_CHECK_VALUE) return null
    // Continuation must work too: crc32cAppend relies on it.
    const head = native(CHECK_INPUT.subarray(0, 4))
    if (native(CHECK_INPUT.subarray(4), head) !== CRC32C_CHECK_VALUE) return null
    return native
  } catch {
    return null
  }
}

const moduleRequire = createRequire(import.meta.url)
const native = loadNativeCrc32c(() => moduleRequire('@node-rs/crc32'))

/** Which implementation serves inputs of NATIVE_CROSSOVER_BYTES and more in this process. */
export const crc32cImplementation: 'native' | 'portable' = native === null ? 'portable' : 'native'

/** The native implementation of bytes[start, end) continuing from `previous`, or null if absent. */
export const crc32cNativeAppend:
  ((previous: number, bytes: Uint8Array, start?: number, end?: number) => number) | null =
  native === null
    ? null
    : (previous, bytes, start = 0, end = bytes.length) => {
        assertRange(bytes, start, end)
        const view = start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end)
        return native(view, previous)
      }

/**
 * CRC32C of bytes[start, end), continuing from `previous`: crc32cAppend(crc32c(a), b) equals
 * crc32c(a followed by b), so a record can be summed in pieces without joining them.
 */
export function crc32cAppend(
  previous: number,
  bytes: Uint8Array,
  start: number = 0,
  end: number = bytes.length,
): number {
  if (native === null || end - start < NATIVE_CROSSOVER_BYTES) {
    return crc32cPortableAppend(previous, bytes, start, end)
  }
  assertRange(bytes, start, end)
  // A view, not a copy: subarray shares the caller's memory (also a SharedArrayBuffer).
  const view = start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end)
  return native(view, previous)
}

/** CRC32C of bytes[start, end) (the whole input by default), unsigned. */
export function crc32c(bytes: Uint8Array, start: number = 0, end: number = bytes.length): number {
  return crc32cAppend(0, bytes, start, end)
}
