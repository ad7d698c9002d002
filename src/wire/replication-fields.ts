/**
 * Field-level encoding for the replication protocol (layout in replication-protocol.ts). One
 * field specification drives both directions, so the encoder refuses exactly what the decoder
 * refuses and both name the field the same way.
 *
 * FieldWriter runs a message's field walk twice: with no target it validates every value and
 * counts bytes (nothing is allocated for an invalid message), then with a target it writes,
 * trusting what the counting pass checked. FieldReader reads one complete payload and checks
 * every length against its field's limit, then against the bytes left, before using it.
 */
import { Buffer, isUtf8 } from 'node:buffer'
import { assert } from '../assert.js'
import { MAX_REPLICATION_HISTORY_RUNS, RECORD_ALIGNMENT_BYTES } from '../constants.js'
import type { EpochRun } from '../replication/epoch-history.js'
import { ReplicationFault, ReplicationFrameError } from './replication-frame-error.js'

const TWO_POW_32 = 0x1_0000_0000
export const U16_MAX = 0xffff
export const U32_MAX = 0xffff_ffff

export interface IntegerField {
  readonly name: string
  readonly min: number
  readonly max: number
  /** LSNs: a multiple of RECORD_ALIGNMENT_BYTES. */
  readonly aligned?: boolean
}
/** u16 byte count then the bytes: printable ASCII (names) or well-formed UTF-8 (messages). */
export interface TextField {
  readonly name: string
  readonly minBytes: number
  readonly maxBytes: number
  readonly ascii: boolean
}
/** u16 byte count then any bytes. */
export interface BytesField {
  readonly name: string
  readonly maxBytes: number
}
/** The rest of the frame, any bytes: its length is the frame's, so it has no prefix. */
export interface TailField {
  readonly name: string
  readonly maxBytes: number
}

export const integer = (name: string, min: number, max: number): IntegerField => ({
  name,
  min,
  max,
})
export const u32Field = (name: string): IntegerField => integer(name, 0, U32_MAX)
export const booleanField = (name: string): IntegerField => integer(name, 0, 1)
/** LSNs as the journal types them: u64, a multiple of 8, below 2^53. */
export const lsnField = (name: string): IntegerField => ({
  ...integer(name, 0, Number.MAX_SAFE_INTEGER - (Number.MAX_SAFE_INTEGER % RECORD_ALIGNMENT_BYTES)),
  aligned: true,
})
export const text16 = (name: string, minBytes: number, maxBytes: number): TextField => ({
  name,
  minBytes,
  maxBytes,
  ascii: false,
})
export const ascii16 = (name: string, minBytes: number, maxBytes: number): TextField => ({
  name,
  minBytes,
  maxBytes,
  ascii: true,
})

/** The most bytes a history can take: a u16 count and 12 bytes (epoch u32, startLsn u64) a run. */
export const HISTORY_MAX_BYTES = 2 + 12 * MAX_REPLICATION_HISTORY_RUNS
export const maxBytesOf = (...fields: (TextField | BytesField)[]): number =>
  fields.reduce((sum, field) => sum + 2 + field.maxBytes, 0)

const HISTORY_COUNT = integer('history', 0, MAX_REPLICATION_HISTORY_RUNS)
const RUN_EPOCH = u32Field('history.epoch')
const RUN_START = lsnField('history.startLsn')
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/
// A lone UTF-16 surrogate would be written as U+FFFD: the peer would read a different string.
const LONE_SURROGATE = /\p{Cs}/u

function isIntegerIn(field: IntegerField, value: number): boolean {
  return Number.isInteger(value) && value >= field.min && value <= field.max
}

function rangeProblem(field: IntegerField, value: number): string | undefined {
  if (!isIntegerIn(field, value)) {
    return `is ${String(value)}, expected an integer in ${field.min}..${field.max}`
  }
  if (field.aligned === true && value % RECORD_ALIGNMENT_BYTES !== 0) {
    return `is ${value}, expected a multiple of ${RECORD_ALIGNMENT_BYTES}`
  }
  return undefined
}

/** Epochs strictly ascend and start LSNs never descend, as EpochHistory asserts. */
function historyProblem(runs: readonly EpochRun[], index: number): string | undefined {
  if (index === 0) return undefined
  const previous = runs[index - 1]!
  const run = runs[index]!
  if (run.epoch <= previous.epoch) return `epoch ${run.epoch} does not ascend`
  if (run.startLsn < previous.startLsn) return `startLsn ${run.startLsn} descends`
  return undefined
}

export class FieldWriter {
  constructor(
    private readonly typeName: string,
    private readonly target: Buffer | undefined,
    public offset: number,
    /** With false the tail is counted but not copied: the caller sends it from where it lies. */
    private readonly copyTail = true,
  ) {}

  get measuring(): boolean {
    return this.target === undefined
  }

  fail(fault: ReplicationFault, name: string, detail: string): never {
    throw new ReplicationFrameError(fault, `${this.typeName}.${name}`, detail)
  }

  private check(field: IntegerField, value: number): void {
    const problem = rangeProblem(field, value)
    if (problem !== undefined) this.fail(ReplicationFault.VALUE_OUT_OF_RANGE, field.name, problem)
  }

  u8(field: IntegerField, value: number): void {
    if (this.target === undefined) this.check(field, value)
    else this.target.writeUInt8(value, this.offset)
    this.offset += 1
  }

  u16(field: IntegerField, value: number): void {
    if (this.target === undefined) this.check(field, value)
    else this.target.writeUInt16LE(value, this.offset)
    this.offset += 2
  }

  u32(field: IntegerField, value: number): void {
    if (this.target === undefined) this.check(field, value)
    else this.target.writeUInt32LE(value, this.offset)
    this.offset += 4
  }

  /** u32 low word, u32 high word. */
  u64(field: IntegerField, value: number): void {
    if (this.target === undefined) {
      this.check(field, value)
    } else {
      this.target.writeUInt32LE(value % TWO_POW_32, this.offset)
      this.target.writeUInt32LE(Math.floor(value / TWO_POW_32), this.offset + 4)
    }
    this.offset += 8
  }

  boolean(field: IntegerField, value: boolean): void {
    this.u8(field, value ? 1 : 0)
  }

  /** Reserved bytes, always zero; they keep later fields aligned. */
  zeros(byteCount: number): void {
    this.target?.fill(0, this.offset, this.offset + byteCount)
    this.offset += byteCount
  }

  text(field: TextField, value: string): void {
    if (this.target === undefined) {
      this.offset += 2 + this.checkText(field, value)
      return
    }
    const written = value.length === 0 ? 0 : this.target.write(value, this.offset + 2, 'utf8')
    this.target.writeUInt16LE(written, this.offset)
    this.offset += 2 + written
  }

  bytes(field: BytesField, value: Uint8Array): void {
    if (this.target === undefined) {
      this.checkLength(field.name, value.length, 0, field.maxBytes)
    } else {
      this.target.writeUInt16LE(value.length, this.offset)
      this.target.set(value, this.offset + 2)
    }
    this.offset += 2 + value.length
  }

  history(runs: readonly EpochRun[]): void {
    this.u16(HISTORY_COUNT, runs.length)
    for (let index = 0; index < runs.length; index += 1) {
      const run = runs[index]!
      this.u32(RUN_EPOCH, run.epoch)
      this.u64(RUN_START, run.startLsn)
      if (this.target !== undefined) continue
      const problem = historyProblem(runs, index)
      if (problem !== undefined) this.fail(ReplicationFault.INCONSISTENT, 'history', problem)
    }
  }

  /** The last field: no prefix, and not copied when the caller sends it separately. */
  tail(field: TailField, value: Uint8Array): void {
    if (this.target === undefined) {
      this.checkLength(field.name, value.length, 0, field.maxBytes)
    } else if (this.copyTail) {
      this.target.set(value, this.offset)
    }
    this.offset += value.length
  }

  private checkLength(name: string, byteCount: number, min: number, max: number): void {
    if (byteCount >= min && byteCount <= max) return
    const detail = `is ${byteCount} bytes, expected ${min}..${max}`
    this.fail(ReplicationFault.LENGTH_OUT_OF_RANGE, name, detail)
  }

  private checkText(field: TextField, value: string): number {
    const byteCount = Buffer.byteLength(value, 'utf8')
    this.checkLength(field.name, byteCount, field.minBytes, field.maxBytes)
    if (field.ascii && !PRINTABLE_ASCII.test(value)) {
      this.fail(ReplicationFault.INVALID_TEXT, field.name, 'is not printable ASCII')
    }
    if (LONE_SURROGATE.test(value)) {
      this.fail(ReplicationFault.INVALID_TEXT, field.name, 'has a lone surrogate')
    }
    return byteCount
  }
}

export class FieldReader {
  private offset = 0
  constructor(
    private readonly payload: Buffer,
    private readonly typeName: string,
  ) {}

  get remainingBytes(): number {
    return this.payload.length - this.offset
  }

  fail(fault: ReplicationFault, name: string, detail: string): never {
    throw new ReplicationFrameError(fault, `${this.typeName}.${name}`, detail)
  }

  /** Claims `byteCount` bytes and returns where they start. */
  private claim(byteCount: number, name: string): number {
    const start = this.offset
    if (this.payload.length - start < byteCount) {
      const detail = `needs ${byteCount} bytes, ${this.payload.length - start} left in the frame`
      this.fail(ReplicationFault.TRUNCATED, name, detail)
    }
    this.offset = start + byteCount
    return start
  }

  private checked(field: IntegerField, value: number): number {
    const problem = rangeProblem(field, value)
    if (problem === undefined) return value
    return this.fail(ReplicationFault.VALUE_OUT_OF_RANGE, field.name, problem)
  }

  u8(field: IntegerField): number {
    return this.checked(field, this.payload.readUInt8(this.claim(1, field.name)))
  }

  u16(field: IntegerField): number {
    return this.checked(field, this.payload.readUInt16LE(this.claim(2, field.name)))
  }

  u32(field: IntegerField): number {
    return this.checked(field, this.payload.readUInt32LE(this.claim(4, field.name)))
  }

  /** High words above 2^21 make a value past 2^53: inexact, but then above any field's max. */
  u64(field: IntegerField): number {
    const at = this.claim(8, field.name)
    const low = this.payload.readUInt32LE(at)
    const high = this.payload.readUInt32LE(at + 4)
    return this.checked(field, high * TWO_POW_32 + low)
  }

  boolean(field: IntegerField): boolean {
    return this.u8(field) === 1
  }

  zeros(byteCount: number, name: string): void {
    const at = this.claim(byteCount, name)
    for (let index = at; index < at + byteCount; index += 1) {
      if (this.payload[index] !== 0) {
        this.fail(ReplicationFault.RESERVED_NOT_ZERO, name, 'must be 0')
      }
    }
  }

  text(field: TextField): string {
    const view = this.lengthPrefixed(field.name, field.minBytes, field.maxBytes)
    if (field.ascii) {
      if (!PRINTABLE_ASCII.test(view.toString('latin1'))) {
        this.fail(ReplicationFault.INVALID_TEXT, field.name, 'is not printable ASCII')
      }
      return view.toString('latin1')
    }
    // isUtf8 is strict (no overlongs, no surrogates) and, unlike a TextDecoder, keeps a BOM.
    if (!isUtf8(view)) {
      this.fail(ReplicationFault.INVALID_TEXT, field.name, 'is not well-formed UTF-8')
    }
    return view.toString('utf8')
  }

  /** A copy: small values outlive the frame and must not pin the socket chunk they came in. */
  bytes(field: BytesField): Uint8Array {
    return new Uint8Array(this.lengthPrefixed(field.name, 0, field.maxBytes))
  }

  history(): EpochRun[] {
    const count = this.u16(HISTORY_COUNT)
    // Checked before the loop: a hostile count must not make the reader build a large array.
    if (count * 12 > this.remainingBytes) {
      const detail = `of ${count} runs cannot fit in the ${this.remainingBytes} bytes left`
      this.fail(ReplicationFault.TRUNCATED, 'history', detail)
    }
    const runs: EpochRun[] = []
    for (let index = 0; index < count; index += 1) {
      runs.push({ epoch: this.u32(RUN_EPOCH), startLsn: this.u64(RUN_START) })
      const problem = historyProblem(runs, index)
      if (problem !== undefined) this.fail(ReplicationFault.INCONSISTENT, 'history', problem)
    }
    return runs
  }

  /** The rest of the payload, as a view (no copy). */
  tail(field: TailField): Buffer {
    const byteCount = this.remainingBytes
    if (byteCount > field.maxBytes) {
      const detail = `is ${byteCount} bytes, expected 0..${field.maxBytes}`
      this.fail(ReplicationFault.LENGTH_OUT_OF_RANGE, field.name, detail)
    }
    const start = this.claim(byteCount, field.name)
    return this.payload.subarray(start, start + byteCount)
  }

  finish(): void {
    if (this.remainingBytes === 0) return
    const detail = `has ${this.remainingBytes} bytes after its last field`
    this.fail(ReplicationFault.TRAILING_BYTES, 'payload', detail)
  }

  private lengthPrefixed(name: string, minBytes: number, maxBytes: number): Buffer {
    const byteCount = this.payload.readUInt16LE(this.claim(2, name))
    if (byteCount < minBytes || byteCount > maxBytes) {
      const detail = `is ${byteCount} bytes, expected ${minBytes}..${maxBytes}`
      this.fail(ReplicationFault.LENGTH_OUT_OF_RANGE, name, detail)
    }
    const start = this.claim(byteCount, name)
    assert(start + byteCount <= this.payload.length, 'claimed bytes lie in the payload')
    return this.payload.subarray(start, start + byteCount)
  }
}
