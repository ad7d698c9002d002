/**
 * Connections that have not yet been authenticated, counted over the listener and per client
 * address, so a flood of connections (or of slow TLS handshakes) from one place cannot take
 * every slot: past SERVER_PRE_AUTH_CONNECTIONS_PER_ADDRESS_MAX from one address, or
 * SERVER_PRE_AUTH_CONNECTIONS_MAX in all, a new connection is closed at once, while
 * connections already authenticated are served as before. A slot is held from accept (before
 * any TLS handshake) until HELLO is answered or the socket closes; each holder ends by the
 * handshake timeouts (TLS_HANDSHAKE_TIMEOUT_MS, SERVER_HANDSHAKE_TIMEOUT_MS).
 */
import { assert } from '../assert.js'
import {
  SERVER_PRE_AUTH_CONNECTIONS_MAX,
  SERVER_PRE_AUTH_CONNECTIONS_PER_ADDRESS_MAX,
} from '../constants.js'

export interface PreAuthLimits {
  readonly total: number
  readonly perAddress: number
}

export const DEFAULT_PRE_AUTH_LIMITS: PreAuthLimits = {
  total: SERVER_PRE_AUTH_CONNECTIONS_MAX,
  perAddress: SERVER_PRE_AUTH_CONNECTIONS_PER_ADDRESS_MAX,
}

export class PreAuthGate {
  private readonly perAddress = new Map<string, number>()
  /** Slots held, by the connection's `address:port`, so the TLS socket finds its raw one's. */
  private readonly holders = new Map<string, string>()
  refusedCount = 0

  constructor(private readonly limits: PreAuthLimits = DEFAULT_PRE_AUTH_LIMITS) {
    assert(limits.total > 0 && limits.perAddress > 0, 'pre-auth limits are positive')
  }

  get heldCount(): number {
    return this.holders.size
  }

  /** Takes a slot for the connection `key` from `address`; false when it must be refused. */
  admit(key: string, address: string): boolean {
    const fromAddress = this.perAddress.get(address) ?? 0
    if (this.holders.size >= this.limits.total || fromAddress >= this.limits.perAddress) {
      this.refusedCount++
      return false
    }
    assert(!this.holders.has(key), 'one slot per connection')
    this.holders.set(key, address)
    this.perAddress.set(address, fromAddress + 1)
    return true
  }

  /** Gives the slot back (authenticated, or closed); a second call does nothing. */
  release(key: string): void {
    const address = this.holders.get(key)
    if (address === undefined) return
    this.holders.delete(key)
    const left = (this.perAddress.get(address) ?? 1) - 1
    if (left === 0) this.perAddress.delete(address)
    else this.perAddress.set(address, left)
  }
}
