/**
 * Goal: the byte layout cursors move every width little-endian and refuse, with the format's
 * own error naming the field, any access past their end: reads, writes, bounded counts and a
 * string that would be cut short.
 * Method: round trips of each width at the edges of their ranges, then each fault against a
 * failure made by layoutFailure(code), checking the QmqError's code and field.
 */
import { Buffer } from 'node:buffer'
import { describe, expect, it } from 'vitest'
import { LayoutReader, LayoutWriter, layoutFailure } from '../../src/codec/layout.js'
import { ErrorCode, isQmqError } from '../../src/errors.js'

const failure = layoutFailure(ErrorCode.RECORD_INVALID)

function caught(run: () => unknown): { code: string; field: unknown; fault: unknown } {
  try {
    run()
  } catch (error) {
    if (isQmqError(error)) return { code: error.code, ...error.details } as never
    throw error
  }
  throw new Error('expected a layout failure')
}

describe('layout cursors', () => {
  it('round-trips every width, little-endian, at the edges of its range', () => {
    const buffer = Buffer.alloc(64)
    const writer = new LayoutWriter(buffer, failure)
    writer.u8(255, 'a')
    writer.i8(-128, 'b')
    writer.u16(0xfffe, 'c')
    writer.u32(0xffff_fffe, 'd')
    writer.i32(-2, 'e')
    writer.u64(Number.MAX_SAFE_INTEGER, 'f')
    writer.prefixed(2, Uint8Array.of(1, 2, 3), 'g')
    writer.text(4, 'héllo', 'h')
    expect(buffer.readUInt16LE(2)).toBe(0xfffe)
    const reader = new LayoutReader(buffer, failure, 0, writer.offset)
    expect(reader.u8('a')).toBe(255)
    expect(reader.i8('b')).toBe(-128)
    expect(reader.u16('c')).toBe(0xfffe)
    expect(reader.u32('d')).toBe(0xffff_fffe)
    expect(reader.i32('e')).toBe(-2)
    expect(reader.u64('f')).toBe(Number.MAX_SAFE_INTEGER)
    expect([...reader.prefixed(2, 3, 'g')]).toEqual([1, 2, 3])
    expect(reader.prefixed(4, 16, 'h').toString('utf8')).toBe('héllo')
    expect(reader.remainingBytes).toBe(0)
  })

  it('refuses a read past its end, naming the field', () => {
    const reader = new LayoutReader(Buffer.alloc(8), failure, 0, 6)
    reader.u32('first')
    expect(caught(() => reader.u32('second'))).toMatchObject({
      code: ErrorCode.RECORD_INVALID,
      field: 'second',
      fault: 'truncated',
    })
  })

  it('refuses a count above its bound before claiming the bytes', () => {
    const buffer = Buffer.alloc(16)
    buffer.writeUInt16LE(9, 0)
    const reader = new LayoutReader(buffer, failure)
    expect(caught(() => reader.prefixed(2, 8, 'name'))).toMatchObject({ fault: 'too-long' })
  })

  it('refuses a write past its end, and a string that would be cut', () => {
    const writer = new LayoutWriter(Buffer.alloc(6), failure)
    writer.u32(1, 'first')
    expect(caught(() => writer.u32(2, 'second'))).toMatchObject({ fault: 'overflow' })
    const short = new LayoutWriter(Buffer.alloc(6), failure)
    expect(caught(() => short.text(2, 'hello', 'greeting'))).toMatchObject({
      fault: 'overflow',
      field: 'greeting',
    })
    const exact = new LayoutWriter(Buffer.alloc(7), failure)
    exact.text(2, 'hello', 'greeting')
    expect(exact.remainingBytes).toBe(0)
  })

  it('moves f64, columns, fixed texts, zeros and copies on any Uint8Array, reset in place', () => {
    const shared = new Uint8Array(new SharedArrayBuffer(128), 3, 120)
    const writer = new LayoutWriter<Uint8Array>(new Uint8Array(4), failure)
    writer.reset(shared, failure, 5, 120)
    writer.f64(-0.5, 'a')
    writer.f64s(Float64Array.of(1.25, 2 ** 53), 2, 'b')
    writer.u32s(Uint32Array.of(0xffff_ffff, 7, 99), 2, 'c')
    writer.latin1('MQ', 'd')
    writer.fill(3, 0x20, 'e')
    writer.utf8('ü', 2, 'f')
    writer.zeros(4, 'g')
    writer.bytes(Uint8Array.of(9, 8), 'h')
    const reader = new LayoutReader<Uint8Array>(new Uint8Array(1), failure)
    reader.reset(shared, failure, 5, writer.offset)
    expect(reader.f64('a')).toBe(-0.5)
    const floats = new Float64Array(2)
    reader.f64s(floats, 2, 'b')
    expect([...floats]).toEqual([1.25, 2 ** 53])
    const words = new Uint32Array(2)
    reader.u32s(words, 2, 'c')
    expect([...words]).toEqual([0xffff_ffff, 7])
    expect(Buffer.from(reader.bytes(5, 'd')).toString('latin1')).toBe('MQ   ')
    expect(Buffer.from(reader.bytes(2, 'f')).toString('utf8')).toBe('ü')
    expect(reader.zeros(4, 'g')).toBe(true)
    const copied = reader.copy(2, 'h')
    shared[writer.offset - 1] = 0
    expect([...copied]).toEqual([9, 8])
    expect(reader.remainingBytes).toBe(0)
    reader.reset(shared, failure, writer.offset - 2, writer.offset)
    expect(reader.zeros(2, 'h')).toBe(false)
  })

  it('sends a value the format refuses to the same failure, as invalid', () => {
    const reader = new LayoutReader(Buffer.alloc(4), failure)
    expect(caught(() => reader.invalid('priority', 'is 10'))).toMatchObject({
      code: ErrorCode.RECORD_INVALID,
      field: 'priority',
      fault: 'invalid',
    })
  })

  it('refuses a column or a fixed text that would run past the end', () => {
    const writer = new LayoutWriter(Buffer.alloc(12), failure)
    expect(caught(() => writer.f64s(new Float64Array(2), 2, 'putLsn'))).toMatchObject({
      fault: 'overflow',
      field: 'putLsn',
    })
    const reader = new LayoutReader(Buffer.alloc(12), failure)
    expect(caught(() => reader.u32s(new Uint32Array(4), 4, 'hashes'))).toMatchObject({
      fault: 'truncated',
      field: 'hashes',
    })
  })
})
