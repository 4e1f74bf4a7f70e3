/**
 * Values by id, each as of a version: what was made of a cart at a version (its parsed
 * state, its priced answer) kept so that it is not made again while the cart is still at
 * that version. Versions only go up and a version's content never changes, so an entry is
 * never wrong, only old: whoever reads asks the database for the current version (one
 * indexed lookup) and uses the entry only when it is that one. Bounded by the size its
 * owner gives each value (`maxBytes`), least recently used first out; an entry may also
 * say when it stops being true (`staleAt`, ms).
 */
export class VersionedCache<V> {
  private readonly entries = new Map<
    string,
    { version: number; value: V; bytes: number; staleAt: number }
  >();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** The entry for `id`, unless it went stale by `now` (ms). */
  get(id: string, now = 0): { version: number; value: V } | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    if (now >= entry.staleAt) {
      this.drop(id);
      return undefined;
    }
    // Most recently used last: a Map keeps insertion order.
    this.entries.delete(id);
    this.entries.set(id, entry);
    return entry;
  }

  /** Keeps `value` as `id`'s at `version`, unless a newer version is kept already. */
  put(id: string, version: number, value: V, bytes: number, staleAt = Infinity): void {
    const old = this.entries.get(id);
    if (old !== undefined && old.version > version) return;
    if (old !== undefined) this.drop(id);
    if (bytes > this.maxBytes) return;
    this.entries.set(id, { version, value, bytes, staleAt });
    this.bytes += bytes;
    for (const oldest of this.entries.keys()) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(oldest);
    }
  }

  /** Forgets every entry. */
  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  private drop(id: string): void {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    this.entries.delete(id);
    this.bytes -= entry.bytes;
  }
}
