/**
 * The simulated clock: events ordered by (time, insertion order) in a binary heap. Time is in
 * simulated milliseconds and moves only when an event is taken.
 */
export interface SimEvent {
  readonly at: number
  readonly sequence: number
  readonly run: () => void
  readonly label: string
}

export class EventQueue {
  private heap: SimEvent[] = []
  private sequence = 0
  now = 0

  get size(): number {
    return this.heap.length
  }

  schedule(delayMs: number, label: string, run: () => void): void {
    const event = { at: this.now + Math.max(0, delayMs), sequence: this.sequence++, run, label }
    this.heap.push(event)
    this.siftUp(this.heap.length - 1)
  }

  /** Takes the next event and advances the clock to it; undefined when none is left. */
  take(): SimEvent | undefined {
    const top = this.heap[0]
    if (top === undefined) return undefined
    const last = this.heap.pop()!
    if (this.heap.length > 0) {
      this.heap[0] = last
      this.siftDown(0)
    }
    this.now = top.at
    return top
  }

  private before(left: SimEvent, right: SimEvent): boolean {
    return left.at < right.at || (left.at === right.at && left.sequence < right.sequence)
  }

  private siftUp(index: number): void {
    while (index > 0) {
      const parent = (index - 1) >> 1
      if (!this.before(this.heap[index]!, this.heap[parent]!)) return
      this.swap(index, parent)
      index = parent
    }
  }

  private siftDown(index: number): void {
    for (;;) {
      const left = index * 2 + 1
      const right = left + 1
      let smallest = index
      if (left < this.heap.length && this.before(this.heap[left]!, this.heap[smallest]!)) {
        smallest = left
      }
      if (right < this.heap.length && this.before(this.heap[right]!, this.heap[smallest]!)) {
        smallest = right
      }
      if (smallest === index) return
      this.swap(index, smallest)
      index = smallest
    }
  }

  /** A plain swap: a destructuring one allocates an array per step of every sift. */
  private swap(left: number, right: number): void {
    const heap = this.heap
    const held = heap[left]!
    heap[left] = heap[right]!
    heap[right] = held
  }
}
