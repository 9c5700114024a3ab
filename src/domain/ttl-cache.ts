// A small per-isolate cache with a time-to-live and a size bound (oldest entry evicted first).
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 1000,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, expires: Date.now() + this.ttlMs });
  }
}

/**
 * Lookups cached per isolate: what was found for `ttlMs`, a miss for the shorter
 * `missTtlMs`, so repeated requests for something unknown do not each reach the
 * database while something created since is still found within `missTtlMs`. Both
 * caches are bounded, and apart: a flood of misses cannot evict what was found.
 */
export class LookupCache<V> {
  private readonly found: TtlCache<V>;
  private readonly missing: TtlCache<true>;

  constructor(ttlMs: number, missTtlMs: number) {
    this.found = new TtlCache<V>(ttlMs);
    this.missing = new TtlCache<true>(missTtlMs);
  }

  async get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const cached = this.found.get(key);
    if (cached !== undefined || this.missing.get(key)) return cached;
    const value = await load();
    if (value === undefined) this.missing.set(key, true);
    else this.found.set(key, value);
    return value;
  }
}
