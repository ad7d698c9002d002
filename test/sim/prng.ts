/**
 * The simulator's only source of randomness: a seeded PRNG (splitmix32), so that a seed replays
 * exactly. Each consumer forks its own stream, so adding draws in one place does not reshuffle
 * every other decision of the run.
 */
export class Prng {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  /** Uniform u32. */
  next(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0
    let z = this.state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }

  /** Integer in [0, bound). */
  below(bound: number): number {
    return bound <= 1 ? 0 : this.next() % bound
  }

  /** Integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.below(max - min + 1)
  }

  chance(probability: number): boolean {
    return this.next() / 0x1_0000_0000 < probability
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!
  }

  fork(): Prng {
    return new Prng(this.next())
  }

  bytes(count: number): Uint8Array {
    const bytes = new Uint8Array(count)
    for (let index = 0; index < count; index++) bytes[index] = this.next() & 0xff
    return bytes
  }
}
