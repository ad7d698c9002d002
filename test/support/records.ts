import { RecordType, type MessagePutRecord } from '../../src/actors/journal/record-types.js'

/** A PUT record with a recognisable body: `label` in ASCII, padded to `bodyBytes`. */
export function putRecord(
  label: string,
  bodyBytes = 100,
  queueId = 1,
  uowId = 0,
): MessagePutRecord {
  const body = Buffer.alloc(Math.max(bodyBytes, label.length), 0x2e)
  body.write(label, 'ascii')
  const msgId = Buffer.alloc(24)
  msgId.write(label.slice(0, 24), 'ascii')
  return {
    type: RecordType.MESSAGE_PUT,
    queueId,
    uowId,
    descriptor: {
      msgId,
      correlId: Buffer.alloc(24),
      persistent: true,
      priority: 4,
      expiry: -1,
      putTimeMs: 1_700_000_000_000,
      backoutCount: 0,
      format: 'MQSTR',
      replyToQueue: '',
      replyToQueueManager: '',
    },
    body,
  }
}

export function bodyLabel(record: MessagePutRecord): string {
  return Buffer.from(record.body).toString('ascii').replace(/\.+$/, '')
}
