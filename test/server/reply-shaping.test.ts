/**
 * Goal: whatever the engine or the MQSC interpreter hands the server, the reply it builds is a
 * valid frame: error messages and admin transcripts are cut on character boundaries to the
 * protocol's limits, and handle ids stay within MAXHANDS.
 * Method: fast-check properties over arbitrary (also non-ASCII) text, then encodeFrame, which
 * validates every field.
 */
import { Buffer } from 'node:buffer'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_ADMIN_RESULT_BYTES, MAX_ERROR_MESSAGE_BYTES } from '../../src/constants.js'
import { Reason } from '../../src/errors.js'
import type { QueueHandle } from '../../src/queue/engine.js'
import { adminResultFrame } from '../../src/server/admin-result.js'
import { errorFrame, truncateUtf8 } from '../../src/server/error-reply.js'
import { HandleTable } from '../../src/server/handle-table.js'
import { encodeFrame } from '../../src/wire/client-protocol.js'

describe('reply shaping', () => {
  it('cuts text to a byte limit without splitting a character, keeping all that fits', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.nat(400), (text, limit) => {
        const cut = truncateUtf8(text, limit)
        const cutBytes = Buffer.byteLength(cut, 'utf8')
        expect(cutBytes).toBeLessThanOrEqual(limit)
        expect(text.startsWith(cut)).toBe(true)
        if (cut !== text) {
          // The next code point would not have fitted.
          const next = String.fromCodePoint(text.codePointAt(cut.length)!)
          expect(cutBytes + Buffer.byteLength(next, 'utf8')).toBeGreaterThan(limit)
        }
      }),
    )
  })

  it('always builds an encodable ERROR, however long the message', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 2000 }), (message) => {
        const frame = errorFrame(1, Reason.Q_FULL, message)
        expect(Buffer.byteLength(frame.message)).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_BYTES)
        expect(() => encodeFrame(frame)).not.toThrow()
      }),
    )
  })

  it('always builds an encodable ADMIN_RESULT, noting lines left out', () => {
    const line = fc.string({ unit: 'grapheme', maxLength: 12_000 })
    fc.assert(
      fc.property(fc.array(line, { maxLength: 300 }), fc.integer(), (lines, failedCount) => {
        const frame = adminResultFrame(9, { lines, failedCount })
        const bytes = encodeFrame(frame)
        expect(bytes.length).toBeLessThan(MAX_ADMIN_RESULT_BYTES + 64)
        if (frame.lines.length <= lines.length) return
        expect(frame.lines.at(-1)).toContain('left out')
      }),
      { numRuns: 30 },
    )
  })

  it('hands out handle ids from 1 and refuses past MAXHANDS with 2017', () => {
    const handles = new HandleTable(2)
    const fake = (): QueueHandle => ({ close: () => undefined }) as unknown as QueueHandle
    expect(handles.add(fake())).toBe(1)
    expect(handles.add(fake())).toBe(2)
    expect(() => handles.add(fake())).toThrow(expect.objectContaining({ reason: 2017 }))
    handles.close(1)
    expect(handles.add(fake())).toBe(3)
    expect(() => handles.get(1)).toThrow(expect.objectContaining({ reason: 2019 }))
  })
})
