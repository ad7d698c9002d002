/**
 * Client ↔ queue-manager wire protocol, version 1: frame layout, message types, the encoder and
 * the payload decoder. The incremental byte-stream parser is src/wire/client-frame-parser.ts.
 * This file is the protocol's contract and its public face; the code lives in
 * src/wire/client-protocol/, a file per concern: framing.ts (header, encode, decode),
 * handshake.ts, messaging.ts, unit-of-work.ts, admin.ts, error-frame.ts (message families),
 * descriptor.ts (MQMD) and queue-info.ts (queue attributes and status), fields.ts,
 * field-writer.ts and field-reader.ts (validated fields over the byte cursors of
 * src/codec/layout.ts), codec.ts and codec-table.ts (each opcode's codec).
 * Encoding is size first, allocate once, write in place (hypercore's preencode/encode): the same
 * walk runs twice, first with no target to validate every field and count bytes, then to write.
 * Decoding validates every field; a bad one is a FrameError (QmqError FRAME_INVALID) naming it.
 *
 * A connection carries frames, little-endian throughout:
 * | off | width | field     | range                                                            |
 * |-----|-------|-----------|------------------------------------------------------------------|
 * |   0 | u32   | length    | bytes after this field: 8..MAX_CLIENT_FRAME_BYTES (4 MiB+64 KiB) |
 * |   4 | u8    | opcode    | an Opcode below; which side may send it is fixed per opcode      |
 * |   5 | u8    | flags     | 0, or 0x01 REQUEST_IDENTITY on PUT, GET and COMMIT (below)       |
 * |   6 | u16   | reserved  | 0                                                                |
 * |   8 | u32   | requestId | chosen by a request's sender, echoed by the reply: 1..2^32-1     |
 * |     |       |           | 0 only on ERROR answering no request, and on GOODBYE             |
 * |  12 | ...   | payload   | length - 8 bytes, laid out per opcode as below                   |
 *
 * Payload notation: u8 u16 u32 i8 i32 little-endian; u64 = u32 low, u32 high, below 2^53;
 * text16/text32 = u16/u32 byte count then that many bytes of well-formed UTF-8 (a BOM is kept);
 * ascii16 = text16 limited to printable ASCII (0x20..0x7E), as MQ names are; id = 24 bytes;
 * id? = u8 count, 0 (absent) or 24, then the bytes; bytes16/bytes32 = u16/u32 count + bytes.
 * Fields follow each other with no padding, in the order listed. Booleans are u8 0 or 1.
 *
 * | opcode            | sent by | payload                                                      |
 * |-------------------|---------|--------------------------------------------------------------|
 * | 0x01 HELLO        | client  | magic 'QMQ1' (4 bytes), minVersion u16 1.., maxVersion u16   |
 * |                   |         | >= minVersion, queueManager ascii16 0..48 (empty: any),      |
 * |                   |         | clientName text16 0..128, heartbeatMs u32 (0: none),         |
 * |                   |         | authMechanism u8 (0 none), credentials bytes16 0..8 KiB      |
 * |                   |         | (empty for none) -> HELLO_OK or ERROR                        |
 * | 0x02 GOODBYE      | either  | reason u32 (0 normal; a server quiescing sends 2161)         |
 * | 0x03 PING         | either  | empty -> PONG                                                |
 * | 0x04 OPEN         | client  | queueName ascii16 1..48, options u8 bits: input 1, output 2, |
 * |                   |         | browse 4 -> OPEN_OK                                          |
 * | 0x05 CLOSE_HANDLE | client  | handle u32 1.. -> OK                                         |
 * | 0x06 PUT          | client  | handle u32 1.., put options, body bytes32                    |
 * |                   |         | 0..MAX_MESSAGE_BYTES -> PUT_OK                               |
 * | 0x07 GET          | client  | handle u32 1.., waitMs u32 (0xFFFFFFFF: no limit), flags u8  |
 * |                   |         | (syncpoint 1), browse u8 (0 none, 1 first, 2 next),          |
 * |                   |         | match msgId id?, match correlId id? -> MESSAGE               |
 * | 0x08 COMMIT       | client  | empty (or the request identity alone) -> OK                  |
 * | 0x09 BACKOUT      | client  | empty -> OK                                                  |
 * | 0x0A CANCEL       | client  | targetRequestId u32 1.. -> OK, after the GET waiting under   |
 * |                   |         | that id has been answered (MESSAGE, or ERROR 2033)           |
 * | 0x0B ADMIN        | client  | command text32 1..64 KiB: MQSC, one command per line         |
 * |                   |         | -> ADMIN_RESULT                                              |
 * | 0x0C QUERY        | client  | queueName ascii16 1..48 -> QUEUE_INFO                        |
 * | 0x80 OK           | server  | empty                                                        |
 * | 0x81 HELLO_OK     | server  | version u16 1.., queueManager ascii16 1..48,                 |
 * |                   |         | heartbeatMs u32, maxMessageBytes u32 0..MAX_MESSAGE_BYTES,   |
 * |                   |         | connectionId id                                              |
 * | 0x83 PONG         | either  | empty                                                        |
 * | 0x84 OPEN_OK      | server  | handle u32 1..                                               |
 * | 0x86 PUT_OK       | server  | descriptor                                                   |
 * | 0x87 MESSAGE      | server  | descriptor, body bytes32 0..MAX_MESSAGE_BYTES                |
 * | 0x8B ADMIN_RESULT | server  | failedCount u32, lineCount u32, lines text16 0..8 KiB each,  |
 * |                   |         | at most MAX_ADMIN_RESULT_BYTES (1 MiB) with their prefixes   |
 * | 0x8C QUEUE_INFO   | server  | queue attributes, queue status                               |
 * | 0xFF ERROR        | server  | compCode u8 1..2, reason u32 1.. (MQRC), message text16      |
 * |                   |         | 0..1 KiB                                                     |
 *
 * REQUEST_IDENTITY (header flag 0x01, PUT, GET and COMMIT only): the payload starts with the
 *   request's identity, requestClient (16 bytes, the client's random id, kept across its
 *   reconnects) and requestSequence u64 1..2^53-1, then the opcode's fields as listed. A server
 *   answers such a request sent again (after a reconnect) with the first one's outcome, from
 *   the queue manager's outcome table (src/queue/outcome-table.ts,
 *   client-protocol/request-identity.ts).
 *   A frame without the flag is byte for byte a version-1 frame; the flag needs no new version
 *   because a server that did not know it would refuse the frame, never misread it.
 * put options and descriptor (MQMD): see client-protocol/descriptor.ts; queue attributes and
 *   queue status: see client-protocol/queue-info.ts. Each file's header documents its fields.
 * Format is kept exactly as sent (the journal, not the wire, drops MQ's trailing blanks).
 *
 * Conversation: the client's first frame is HELLO; the server answers HELLO_OK with the highest
 * version both sides speak, or ERROR and closes. Requests are pipelined: replies carry the
 * request's id and may come in any order, so a GET waiting for a message holds up nothing else.
 * HELLO_OK's heartbeatMs is the interval the server settled on (0: none): each side sends PING
 * after that long without sending anything and answers a PING with PONG. GOODBYE precedes an
 * orderly close; a server that quiesces sends it with its reason so clients can reconnect.
 *
 * Faults found by the parser are fatal when the header itself cannot be trusted (length out of
 * range, unknown flags or reserved bits set): the receiver sends ERROR with `reason` if it can,
 * then closes. Any other fault leaves the frame boundaries intact: the receiver skips that frame
 * and a server answers ERROR with the fault's `reason` (an MQRC where one fits, e.g. 2050 for a
 * bad priority) under the frame's request id. Invalid values given to the encoder throw the same
 * FrameError, so a client can turn it into the MQError an application expects.
 */

export { chooseVersion } from './client-protocol/handshake.js'
export { maxMessageFrameBytes } from './client-protocol/messaging.js'
export { maxPayloadBytesOf } from './client-protocol/codec-table.js'
export { errorFrameFor } from './client-protocol/error-frame.js'
export { FrameError, FrameFault, isFrameError } from './client-protocol/frame-error.js'
export type * from './client-protocol/frames.js'
export {
  checkFrameHeader,
  decodeFramePayload,
  encodeFrame,
  encodeFrameInto,
  measureFrame,
  payloadBytesOf,
  readFrameHeader,
  type FrameHeader,
} from './client-protocol/framing.js'
export {
  AuthMechanism,
  CLIENT_PROTOCOL_VERSION,
  FrameFlag,
  CREDENTIALS_SEPARATOR,
  GET_WAIT_UNLIMITED_MS,
  HELLO_MAGIC,
  Opcode,
  opcodeName,
  REQUEST_IDENTITY_BYTES,
  type Sender,
} from './client-protocol/opcodes.js'
