/**
 * Goal: the replication link's bytes never change by accident, and the parser reads every golden
 * frame however the stream is split.
 * Method: each case encodes a frame and compares it byte for byte with a hex file in
 * test/golden/replication (regenerated only with QMQ_UPDATE_GOLDEN=1; a missing file fails); the
 * file's bytes decode back to the frame and re-encode to themselves; head + tail encoding gives
 * the same bytes; then every frame is fed split at each byte boundary, one byte at a time, and
 * all replica frames back to back in one chunk and in three.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { readRecordHeader } from '../../src/actors/journal/journal-record.js'
import { MessageType } from '../../src/replication/messages.js'
import { decodeReplicationFrame } from '../../src/wire/replication-frame-parser.js'
import {
  encodeReplicationFrame,
  encodeReplicationFrameHead,
  frameCodeOf,
  frameTail,
  frameTypeName,
  isReplicationFrameError,
  LinkMessageType,
  type ReplicationFrame,
  type ReplicationFrameTag,
} from '../../src/wire/replication-protocol.js'
import {
  comparable,
  goldenCases,
  isHandshakeTag,
  NAMES,
  parsePieces,
  parserFor,
  type GoldenCase,
} from './replication-fixtures.js'

const GOLDEN_DIRECTORY = fileURLToPath(new URL('../golden/replication/', import.meta.url))
const UPDATE_GOLDEN = process.env['QMQ_UPDATE_GOLDEN'] === '1'

function hexFile(golden: GoldenCase, bytes: Buffer): string {
  const code = frameCodeOf(golden.frame.type)
  const sender = isHandshakeTag(golden.frame.type) ? `the ${golden.from}` : 'either end'
  const lines = [
    `# QuorumMQ replication frame, version 1: ${frameTypeName(code)} from ${sender}, ` +
      `${bytes.length} bytes`,
    '# Written by test/wire/replication-protocol-golden.test.ts; regenerate: ' +
      'QMQ_UPDATE_GOLDEN=1 npx vitest run test/wire/replication-protocol-golden.test.ts',
  ]
  for (let offset = 0; offset < bytes.length; offset += 16) {
    const row = bytes.subarray(offset, offset + 16).toString('hex')
    lines.push(`${offset.toString(16).padStart(4, '0')}: ${row.replace(/(..)(?!$)/g, '$1 ')}`)
  }
  return `${lines.join('\n')}\n`
}

function readHexFile(path: string): Buffer {
  const hex = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .map((line) => line.replace(/^[0-9a-f]{4}:/, ''))
    .join('')
    .replace(/\s+/g, '')
  return Buffer.from(hex, 'hex')
}

function goldenBytes(golden: GoldenCase): Buffer {
  const path = `${GOLDEN_DIRECTORY}${golden.name}.hex`
  if (UPDATE_GOLDEN) {
    mkdirSync(GOLDEN_DIRECTORY, { recursive: true })
    writeFileSync(path, hexFile(golden, encodeReplicationFrame(golden.frame)))
  }
  if (!existsSync(path)) {
    throw new Error(`golden file ${path} is missing: run with QMQ_UPDATE_GOLDEN=1 and review it`)
  }
  return readHexFile(path)
}

function decodeGolden(golden: GoldenCase, bytes: Buffer): unknown {
  const names = isHandshakeTag(golden.frame.type) ? undefined : NAMES
  return decodeReplicationFrame(bytes, { from: golden.from, names })
}

describe.each(goldenCases)('golden frame $name', (golden) => {
  const expected = comparable(golden.frame)

  test('encodes byte for byte as the golden file', () => {
    const bytes = goldenBytes(golden)
    expect(encodeReplicationFrame(golden.frame).toString('hex')).toBe(bytes.toString('hex'))
  })

  test('decodes to the frame, which re-encodes to the same bytes', () => {
    const bytes = goldenBytes(golden)
    const decoded = decodeGolden(golden, bytes)
    expect(isReplicationFrameError(decoded), String(decoded)).toBe(false)
    expect(comparable(decoded)).toEqual(expected)
    expect(encodeReplicationFrame(decoded as ReplicationFrame).equals(bytes)).toBe(true)
  })

  test('head then tail is the same byte string, checksum included', () => {
    const bytes = goldenBytes(golden)
    const head = encodeReplicationFrameHead(golden.frame)
    const tail = frameTail(golden.frame)
    expect(head.length + tail.length).toBe(bytes.length)
    expect(Buffer.concat([head, tail]).equals(bytes)).toBe(true)
  })

  test('parses when split in two at every byte boundary', () => {
    const bytes = goldenBytes(golden)
    for (let cut = 1; cut < bytes.length; cut += 1) {
      const pieces = [bytes.subarray(0, cut), bytes.subarray(cut)]
      const { results, parser } = parsePieces(parserFor(golden), pieces)
      expect(comparable(results)).toEqual([expected])
      expect(parser.bufferedBytes).toBe(0)
    }
  })

  test('parses when fed one byte at a time, copied out of the chunks', () => {
    const bytes = goldenBytes(golden)
    const pieces = Array.from(bytes, (byte) => Buffer.from([byte]))
    const { results, largestBufferedBytes } = parsePieces(parserFor(golden), pieces)
    expect(comparable(results)).toEqual([expected])
    expect(largestBufferedBytes).toBeLessThanOrEqual(bytes.length)
    // Nothing decoded may alias a pushed one-byte chunk: every byte was copied.
    for (const piece of pieces) piece[0] = piece[0]! ^ 0xff
    expect(comparable(results)).toEqual([expected])
  })
})

describe('golden frames together', () => {
  const replica = goldenCases.filter((golden) => !isHandshakeTag(golden.frame.type))

  test('all replica frames back to back, in one chunk and in three', () => {
    const stream = Buffer.concat(replica.map(goldenBytes))
    const expected = replica.map((golden) => comparable(golden.frame))
    const whole = parsePieces(parserFor(replica[0]!), [stream])
    expect(comparable(whole.results)).toEqual(expected)
    const third = Math.floor(stream.length / 3)
    const pieces = [
      stream.subarray(0, third),
      stream.subarray(third, 2 * third),
      stream.subarray(2 * third),
    ]
    expect(comparable(parsePieces(parserFor(replica[0]!), pieces).results)).toEqual(expected)
  })

  test('a frame arriving whole is decoded in place: APPEND records are a view of the chunk', () => {
    const append = goldenCases.find((golden) => golden.name === 'append-records')!
    const chunk = Buffer.concat([goldenBytes(goldenCases[3]!), goldenBytes(append)])
    const { results } = parsePieces(parserFor(append), [chunk])
    const decoded = results[1] as Extract<ReplicationFrame, { type: 'append' }>
    expect(decoded.payload.buffer).toBe(chunk.buffer)
    expect(decoded.payload.byteOffset).toBe(chunk.byteOffset + chunk.length - 96)
    expect((decoded.payload.byteOffset - chunk.byteOffset) % 8).toBe(0)
  })

  test("APPEND's records arrive verbatim: each header reads back at its own LSN", () => {
    const append = goldenCases.find((golden) => golden.name === 'append-records')!
    const decoded = decodeGolden(append, goldenBytes(append)) as Extract<
      ReplicationFrame,
      { type: 'append' }
    >
    const first = readRecordHeader(decoded.payload, 0, 48, 8192)
    expect(first).toMatchObject({ kind: 'ok', header: { lsn: 8192, epoch: 7 } })
    const second = readRecordHeader(decoded.payload, 48, 48, 8240)
    expect(second).toMatchObject({ kind: 'ok', header: { lsn: 8240, batchLsn: 8192 } })
  })

  test('the golden set covers every frame type', () => {
    const tags: ReplicationFrameTag[] = [
      ...Object.values(LinkMessageType),
      ...Object.values(MessageType).filter((tag) => tag !== MessageType.CHECKPOINT),
    ]
    const covered = new Set(goldenCases.map((golden) => golden.frame.type))
    expect([...covered].sort()).toEqual([...tags].sort())
  })
})
