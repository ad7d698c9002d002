/**
 * Invariant checks that stay on in production (TigerBeetle style). A failed assertion is a
 * programmer error: the actor that hits it crashes and its supervisor decides what happens next.
 */
export class AssertionError extends Error {
  override readonly name = 'AssertionError'
  readonly code = 'QMQ_ASSERTION'
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message)
}

/** Exhaustiveness check for the default branch of a switch over a union. */
export function unreachable(value: never, context: string): never {
  throw new AssertionError(`${context}: unexpected ${JSON.stringify(value)}`)
}
