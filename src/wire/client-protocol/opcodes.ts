/**
 * Opcodes and the protocol's named constants (version, HELLO magic, unlimited wait). Requests
 * have the high bit clear; a reply is 0x80 | its request where it answers one.
 */
export const CLIENT_PROTOCOL_VERSION = 1
export const HELLO_MAGIC = 'QMQ1'
/** GET's waitMs meaning "wait until a message arrives" (MQWI_UNLIMITED). */
export const GET_WAIT_UNLIMITED_MS = 0xffff_ffff

/**
 * Header flags. REQUEST_IDENTITY, on PUT and GET only: the payload starts with the request's
 * identity (REQUEST_IDENTITY_BYTES: the client's 16-byte id, then a u64 sequence 1..2^53-1),
 * before the opcode's own fields. Every other bit, and the bit on any other opcode, is refused
 * as before (a fatal frame error), so a frame without it is byte for byte what it always was.
 */
export const FrameFlag = { REQUEST_IDENTITY: 0x01 } as const
export const REQUEST_IDENTITY_BYTES = 16 + 8

/** Requests have the high bit clear; a reply is 0x80 | its request where one answers one. */
export const Opcode = {
  HELLO: 0x01,
  GOODBYE: 0x02,
  PING: 0x03,
  OPEN: 0x04,
  CLOSE_HANDLE: 0x05,
  PUT: 0x06,
  GET: 0x07,
  COMMIT: 0x08,
  BACKOUT: 0x09,
  CANCEL: 0x0a,
  ADMIN: 0x0b,
  QUERY: 0x0c,
  OK: 0x80,
  HELLO_OK: 0x81,
  PONG: 0x83,
  OPEN_OK: 0x84,
  PUT_OK: 0x86,
  MESSAGE: 0x87,
  ADMIN_RESULT: 0x8b,
  QUEUE_INFO: 0x8c,
  ERROR: 0xff,
} as const
export type Opcode = (typeof Opcode)[keyof typeof Opcode]

/**
 * HELLO's authentication mechanism, as MQCSP's: none, or a user id and password, whose
 * credentials are the UTF-8 text `userId NUL password` (src/server/handshake.ts checks it).
 */
export const AuthMechanism = { NONE: 0, USER_PASSWORD: 1 } as const
export type AuthMechanism = (typeof AuthMechanism)[keyof typeof AuthMechanism]

/** Separates the user id from the password in USER_PASSWORD credentials. */
export const CREDENTIALS_SEPARATOR = '\u0000'

/** Which end of a connection wrote a frame. */
export type Sender = 'client' | 'server'

const opcodeNames = new Map<number, string>(Object.entries(Opcode).map(([n, v]) => [v, n]))

/** 'PUT' for 0x06; the hex value for a byte that is no opcode. */
export function opcodeName(opcode: number): string {
  return opcodeNames.get(opcode) ?? `0x${opcode.toString(16).padStart(2, '0')}`
}
