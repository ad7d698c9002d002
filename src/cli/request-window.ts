/**
 * A window of calls in flight, for amqsblst --inflight: submit() waits for a free slot, so at
 * most `size` calls are outstanding; the first failure is kept, stops further submits and is
 * rethrown by submit() and drain(). Replies may complete in any order.
 */
export class RequestWindow {
  private active = 0
  private failure: { error: unknown } | undefined
  private waiters: (() => void)[] = []

  constructor(private readonly size: number) {}

  get failed(): boolean {
    return this.failure !== undefined
  }

  /** Starts `call` once a slot is free; resolves when it has started, not finished. */
  async submit(call: () => Promise<void>): Promise<void> {
    while (this.active >= this.size && this.failure === undefined) await this.slotFreed()
    this.throwIfFailed()
    this.active++
    call()
      .catch((error: unknown) => {
        this.failure ??= { error }
      })
      .finally(() => {
        this.active--
        this.wake()
      })
  }

  /** Waits until nothing is in flight; throws the first failure if there was one. */
  async drain(): Promise<void> {
    while (this.active > 0) await this.slotFreed()
    this.throwIfFailed()
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure.error
  }

  private slotFreed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  private wake(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const waiter of waiters) waiter()
  }
}
