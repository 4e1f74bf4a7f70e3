import { describe, expect, it } from 'vitest';
import { VersionedCache } from './versioned-cache.ts';

describe('VersionedCache', () => {
  it('answers the value kept for an id with its version', () => {
    const cache = new VersionedCache<string>(100);
    cache.put('a', 3, 'a@3', 10);
    expect(cache.get('a')).toMatchObject({ version: 3, value: 'a@3' });
    expect(cache.get('b')).toBeUndefined();
  });

  it('never replaces a newer version with an older one', () => {
    const cache = new VersionedCache<string>(100);
    cache.put('a', 5, 'a@5', 10);
    cache.put('a', 4, 'a@4', 10);
    expect(cache.get('a')?.value).toBe('a@5');
    cache.put('a', 6, 'a@6', 10);
    expect(cache.get('a')?.value).toBe('a@6');
    expect(cache.size).toEqual({ entries: 1, bytes: 10 });
  });

  it('stays within its bound, the least recently used out first', () => {
    const cache = new VersionedCache<string>(30);
    cache.put('a', 1, 'a', 10);
    cache.put('b', 1, 'b', 10);
    cache.put('c', 1, 'c', 10);
    cache.get('a'); // a is used: b is now the oldest
    cache.put('d', 1, 'd', 10);
    expect(cache.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].map((id) => cache.get(id)?.value)).toEqual(['a', 'c', 'd']);
    expect(cache.size).toEqual({ entries: 3, bytes: 30 });
    // A value larger than the whole bound is not kept, and pushes nothing out.
    cache.put('huge', 1, 'huge', 31);
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.size.entries).toBe(3);
  });

  it('drops an entry once it is stale, and forgets everything on clear', () => {
    const cache = new VersionedCache<string>(100);
    cache.put('a', 1, 'a', 10, 1_000);
    expect(cache.get('a', 999)?.value).toBe('a');
    expect(cache.get('a', 1_000)).toBeUndefined();
    expect(cache.size).toEqual({ entries: 0, bytes: 0 });
    cache.put('b', 1, 'b', 10);
    cache.clear();
    expect(cache.get('b')).toBeUndefined();
    expect(cache.size).toEqual({ entries: 0, bytes: 0 });
  });

  it('keeps nothing with a bound of 0 (CART_CACHE_MAX_BYTES=0 turns it off)', () => {
    const cache = new VersionedCache<string>(0);
    cache.put('a', 1, 'a', 1);
    expect(cache.get('a')).toBeUndefined();
  });
});
