// The per-isolate lookup cache behind projects, API keys and preflights (src/domain/ttl-cache.ts):
// misses are remembered briefly and in bounded number, and never push out what was found.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LookupCache } from '../../src/domain/ttl-cache.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

/** A loader that counts its calls and finds only `found`. */
function loader(found: Record<string, string>) {
  const calls: string[] = [];
  return { calls, load: (key: string) => async () => (calls.push(key), found[key]) };
}

describe('LookupCache', () => {
  it('loads a found value once per ttl and a miss once per miss ttl', async () => {
    const cache = new LookupCache<string>(30_000, 5_000);
    const { calls, load } = loader({ known: 'value' });
    const clock = vi.spyOn(Date, 'now').mockReturnValue(Date.now());
    const start = Date.now();
    for (let i = 0; i < 3; i++) {
      expect(await cache.get('known', load('known'))).toBe('value');
      expect(await cache.get('unknown', load('unknown'))).toBeUndefined();
    }
    expect(calls).toEqual(['known', 'unknown']);
    clock.mockReturnValue(start + 5_000);
    await cache.get('known', load('known'));
    await cache.get('unknown', load('unknown'));
    expect(calls).toEqual(['known', 'unknown', 'unknown']);
  });

  it('holds a bounded number of misses, oldest forgotten first; a flood of misses keeps what was found', async () => {
    const cache = new LookupCache<string>(30_000, 5_000);
    const { calls, load } = loader({ known: 'value' });
    await cache.get('known', load('known'));
    for (let i = 0; i <= 1000; i++) await cache.get(`miss${i}`, load(`miss${i}`));
    calls.length = 0;
    await cache.get('known', load('known'));
    await cache.get('miss1000', load('miss1000'));
    await cache.get('miss0', load('miss0'));
    expect(calls).toEqual(['miss0']);
  });
});
