// A read-only map over layers of definitions, the first layer that has a name answering: a file's
// own #defines over its included headers' merged table, its own types over its folder's. Binding
// a new file version then costs its own layer only; the folder's layers are shared, never copied.

export class LayeredMap<K, V> implements ReadonlyMap<K, V> {
  private counted?: number;

  constructor(private readonly layers: readonly ReadonlyMap<K, V>[]) {}

  get(key: K): V | undefined {
    for (const layer of this.layers) {
      const value = layer.get(key);
      if (value !== undefined || layer.has(key)) return value;
    }
    return undefined;
  }

  has(key: K): boolean {
    return this.layers.some((layer) => layer.has(key));
  }

  get size(): number {
    this.counted ??= [...this.keys()].length;
    return this.counted;
  }

  /** Each key once, with the value that answers for it: first layer's keys first. */
  *entries(): MapIterator<[K, V]> {
    for (let index = 0; index < this.layers.length; index++) {
      for (const entry of this.layers[index]) {
        if (!this.layers.slice(0, index).some((earlier) => earlier.has(entry[0]))) yield entry;
      }
    }
  }

  *keys(): MapIterator<K> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  forEach(callback: (value: V, key: K, map: ReadonlyMap<K, V>) => void): void {
    for (const [key, value] of this.entries()) callback(value, key, this);
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }
}
