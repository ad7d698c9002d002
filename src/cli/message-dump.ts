/**
 * amqsbcg's rendering of a message: the MQMD in MQ's field layout and the body as MQ's hex dump
 * (16 bytes a line: offset, hex in pairs of bytes, the printable characters in quotes, '.' for
 * the rest). Fields QuorumMQ does not keep (report options, identity and origin context, group)
 * show what MQ shows for a message put without them: zeros and blanks.
 */
import type { MessageDescriptor } from '../queue/types.js'

const BYTES_PER_LINE = 16
const QUEUE_NAME_WIDTH = 48
const USER_IDENTIFIER_WIDTH = 12
const APPLICATION_NAME_WIDTH = 28
const APPLICATION_IDENTITY_WIDTH = 32
const FORMAT_WIDTH = 8
const ZERO_ID = '00'.repeat(24)
const ZERO_ACCOUNTING_TOKEN = '00'.repeat(32)

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase()
}

/** MQ's PutDate (YYYYMMDD) and PutTime (HHMMSSTH), in GMT as MQ records them. */
export function putDateAndTime(putTimeMs: number): { date: string; time: string } {
  const at = new Date(putTimeMs)
  const two = (value: number): string => String(value).padStart(2, '0')
  const date = `${at.getUTCFullYear()}${two(at.getUTCMonth() + 1)}${two(at.getUTCDate())}`
  const hundredths = two(Math.floor(at.getUTCMilliseconds() / 10))
  const time = `${two(at.getUTCHours())}${two(at.getUTCMinutes())}${two(at.getUTCSeconds())}${hundredths}`
  return { date, time }
}

export function descriptorLines(descriptor: MessageDescriptor): string[] {
  const { date, time } = putDateAndTime(descriptor.putTimeMs)
  const blank = (width: number): string => ' '.repeat(width)
  return [
    '****Message descriptor****',
    '',
    "  StrucId  : 'MD  '  Version : 2",
    '  Report   : 0  MsgType : 8',
    `  Expiry   : ${descriptor.expiry}  Feedback : 0`,
    '  Encoding : 546  CodedCharSetId : 1208',
    `  Format : '${descriptor.format.padEnd(FORMAT_WIDTH)}'`,
    `  Priority : ${descriptor.priority}  Persistence : ${descriptor.persistent ? 1 : 0}`,
    `  MsgId : X'${hex(descriptor.msgId)}'`,
    `  CorrelId : X'${hex(descriptor.correlId)}'`,
    `  BackoutCount : ${descriptor.backoutCount}`,
    `  ReplyToQ       : '${descriptor.replyToQueue.padEnd(QUEUE_NAME_WIDTH)}'`,
    `  ReplyToQMgr    : '${descriptor.replyToQueueManager.padEnd(QUEUE_NAME_WIDTH)}'`,
    '  ** Identity Context',
    `  UserIdentifier : '${blank(USER_IDENTIFIER_WIDTH)}'`,
    '  AccountingToken : ',
    `   X'${ZERO_ACCOUNTING_TOKEN}'`,
    `  ApplIdentityData : '${blank(APPLICATION_IDENTITY_WIDTH)}'`,
    '  ** Origin Context',
    "  PutApplType    : '0'",
    `  PutApplName    : '${blank(APPLICATION_NAME_WIDTH)}'`,
    `  PutDate  : '${date}'    PutTime  : '${time}'`,
    "  ApplOriginData : '    '",
    '',
    `  GroupId : X'${ZERO_ID}'`,
    "  MsgSeqNumber   : '1'",
    "  Offset         : '0'",
    "  MsgFlags       : '0'",
    "  OriginalLength : '-1'",
  ]
}

/** `00000000:  6865 6C6C 6F                            'hello           '` per 16 bytes. */
export function hexDumpLines(body: Uint8Array): string[] {
  const lines: string[] = []
  for (let offset = 0; offset < body.length; offset += BYTES_PER_LINE) {
    let hexPart = ''
    let text = ''
    for (let column = 0; column < BYTES_PER_LINE; column++) {
      if (column % 2 === 0) hexPart += ' '
      const byte = body[offset + column]
      if (offset + column < body.length && byte !== undefined) {
        hexPart += byte.toString(16).toUpperCase().padStart(2, '0')
        text += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.'
      } else {
        hexPart += '  '
        text += ' '
      }
    }
    lines.push(`${offset.toString(16).toUpperCase().padStart(8, '0')}: ${hexPart} '${text}'`)
  }
  return lines
}
