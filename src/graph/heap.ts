/**
 * A binary max-heap of task indices in a preallocated Int32Array, ordered by priority (higher first) and then by
 * index (input order first). No objects and no comparator closures on the scheduler's hot path.
 */
export class IndexHeap {
  readonly #items: Int32Array;
  readonly #priority: Float64Array;
  size = 0;

  constructor(capacity: number, priority: Float64Array) {
    this.#items = new Int32Array(capacity);
    this.#priority = priority;
  }

  push(index: number): void {
    const items = this.#items;
    const priority = this.#priority;
    const p = priority[index]!;
    let k = this.size++;
    while (k > 0) {
      const parent = (k - 1) >> 1;
      const other = items[parent]!;
      const q = priority[other]!;
      if (q > p || (q === p && other < index)) break;
      items[k] = other;
      k = parent;
    }
    items[k] = index;
  }

  /** Removes and returns the first index; the heap must not be empty. */
  pop(): number {
    const items = this.#items;
    const priority = this.#priority;
    const top = items[0]!;
    const size = --this.size;
    if (size === 0) return top;
    const last = items[size]!;
    const p = priority[last]!;
    let k = 0;
    for (;;) {
      let child = 2 * k + 1;
      if (child >= size) break;
      let c = items[child]!;
      let q = priority[c]!;
      const right = child + 1;
      if (right < size) {
        const r = items[right]!;
        const qr = priority[r]!;
        if (qr > q || (qr === q && r < c)) {
          child = right;
          c = r;
          q = qr;
        }
      }
      if (p > q || (p === q && last < c)) break;
      items[k] = c;
      k = child;
    }
    items[k] = last;
    return top;
  }

  clear(): void {
    this.size = 0;
  }
}
