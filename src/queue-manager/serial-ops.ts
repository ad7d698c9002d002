/**
 * Runs operations one after another, in the order given: synchronous ones at once when nothing
 * is pending (no promise per follower write on the hot path), asynchronous ones (a cut, a role
 * change) holding back every later one until they finish. A failed operation is reported and
 * the ones after it still run.
 */
type Operation = () => void | Promise<void>

export class SerialOps {
  private readonly queue: Operation[] = []
  private running = false

  constructor(private readonly onError: (error: unknown) => void) {}

  run(operation: Operation): void {
    this.queue.push(operation)
    if (!this.running) this.drain()
  }

  private drain(): void {
    this.running = true
    while (this.queue.length > 0) {
      const operation = this.queue.shift()!
      let result: void | Promise<void>
      try {
        result = operation()
      } catch (error) {
        this.onError(error)
        continue
      }
      if (result instanceof Promise) {
        result.catch(this.onError).finally(() => this.drain())
        return
      }
    }
    this.running = false
  }
}
