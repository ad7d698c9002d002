/**
 * The text fields of the on-disk formats (journal records and checkpoint files), written and
 * read through the layout cursors in one place: MQ object names (queue, queue-manager, BOQNAME,
 * TARGET, DEADQ, reply-to names) and descriptions. Their lengths live in each format's fixed
 * part, ahead of the text, so the texts carry no count of their own here.
 *
 * object name: printable ASCII (0x20..0x7E), at most MAX_QUEUE_NAME_BYTES (48); the journal
 *   takes any such name, the engine checks MQ's naming rules before it writes one.
 * description: well-formed UTF-8 (strict: no overlongs, no surrogates), at most 64 bytes.
 *
 * Writing asserts (the engine validated the value); reading reports the first bad field
 * through the reader's failure (RECORD_INVALID or CHECKPOINT_CORRUPT).
 */
import { Buffer, isUtf8 } from 'node:buffer'
import { assert } from '../../assert.js'
import type { LayoutReader, LayoutWriter } from '../../codec/layout.js'

const ASCII_FIRST = 0x20
const ASCII_LAST = 0x7e
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/
/** Lone surrogates would be written as U+FFFD and read back as a different string. */
const LONE_SURROGATE = /\p{Cs}/u

export function isPrintableAscii(text: string): boolean {
  return PRINTABLE_ASCII.test(text)
}

/** Writes printable ASCII, no count: `what` names the field in the assertion. */
export function writeAscii(writer: LayoutWriter<Uint8Array>, text: string, what: string): void {
  let printable = true
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    printable = printable && code >= ASCII_FIRST && code <= ASCII_LAST
  }
  // The message is built only on failure: a template per character cost the append path.
  if (!printable) assert(false, `${what}: printable ASCII`)
  writer.latin1(text, what)
}

/** `length` bytes of printable ASCII as a string. */
export function readAscii(reader: LayoutReader<Uint8Array>, length: number, field: string): string {
  const at = reader.claim(length, field)
  const source = reader.source
  let text = ''
  for (let index = at; index < at + length; index++) {
    const code = source[index]!
    if (code < ASCII_FIRST || code > ASCII_LAST) {
      reader.invalid(field, `has byte ${code} at ${index - at}, expected printable ASCII`)
    }
    text += String.fromCharCode(code)
  }
  return text
}

/** UTF-8 bytes of a description, asserted within `maxBytes` and free of lone surrogates. */
export function descriptionBytes(description: string, maxBytes: number, what: string): number {
  const byteCount = Buffer.byteLength(description, 'utf8')
  assert(byteCount <= maxBytes, `${what}: description too long`)
  assert(!LONE_SURROGATE.test(description), `${what}: description has a lone surrogate`)
  return byteCount
}

export function writeUtf8(
  writer: LayoutWriter<Uint8Array>,
  text: string,
  byteCount: number,
  what: string,
): void {
  writer.utf8(text, byteCount, what)
}

/** `length` bytes of well-formed UTF-8 as a string. */
export function readUtf8(reader: LayoutReader<Uint8Array>, length: number, field: string): string {
  const view = reader.bytes(length, field)
  if (length === 0) return ''
  // isUtf8 is strict (no overlongs, no surrogates) and, unlike a TextDecoder, keeps a BOM.
  const bytes = Buffer.from(view.buffer, view.byteOffset, length)
  if (!isUtf8(bytes)) reader.invalid(field, 'is not well-formed UTF-8')
  return bytes.toString('utf8')
}
