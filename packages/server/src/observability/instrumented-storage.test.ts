import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStorage } from '../storage/sqlite/storage.ts';
import { STORAGE_OPERATIONS, instrumentStorage } from './instrumented-storage.ts';

const dirs: string[] = [];
const opened: SqliteStorage[] = [];
async function open(): Promise<SqliteStorage> {
  const dir = mkdtempSync(join(tmpdir(), 'cart-instrumented-'));
  dirs.push(dir);
  const storage = new SqliteStorage(join(dir, 'cart.db'));
  await storage.migrate();
  opened.push(storage);
  return storage;
}
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close().catch(() => undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function count(registry: Registry, operation: string): Promise<number> {
  const metric = await registry.getSingleMetric('cart_db_query_duration_seconds')?.get();
  return (
    metric?.values.find(
      (v) =>
        (v as { metricName?: string }).metricName === 'cart_db_query_duration_seconds_count' &&
        v.labels.operation === operation,
    )?.value ?? 0
  );
}

describe('instrumentStorage', () => {
  it('wraps every port method the adapter has, and nothing else', async () => {
    const storage = await open();
    const methods = storage as unknown as Record<string, unknown>;
    const before = new Map(STORAGE_OPERATIONS.map((n) => [n, methods[n]]));
    const timing = instrumentStorage(storage);
    for (const name of STORAGE_OPERATIONS) {
      expect(typeof before.get(name), name).toBe('function');
      expect(Object.hasOwn(storage, name), name).toBe(true);
    }
    // Private helpers are not operations.
    expect(Object.hasOwn(storage, 'loadCart')).toBe(false);
    timing.restore();
    for (const name of STORAGE_OPERATIONS) {
      expect(Object.hasOwn(storage, name), name).toBe(false);
      expect(methods[name]).toBe(before.get(name));
    }
  });

  it('times each call by operation, failures included, and keeps results', async () => {
    const storage = await open();
    const registry = new Registry();
    const timing = instrumentStorage(storage);
    registry.registerMetric(timing.histogram);
    expect(await storage.getCart('nope')).toBeNull();
    expect(await storage.countProducts()).toBe(0);
    expect(await storage.getCart('nope again')).toBeNull();
    expect(await count(registry, 'getCart')).toBe(2);
    expect(await count(registry, 'countProducts')).toBe(1);

    await storage.close();
    // (the adapter throws at once here; the wrapper keeps that, and still times it)
    await expect((async () => storage.getCart('after close'))()).rejects.toThrow();
    expect(await count(registry, 'getCart')).toBe(3);
    expect(await count(registry, 'close')).toBe(1);
  });

  it('keeps the storage the same object, so whoever holds it is timed', async () => {
    const storage = await open();
    const held = storage;
    const registry = new Registry();
    const timing = instrumentStorage(storage);
    registry.registerMetric(timing.histogram);
    await held.ping();
    expect(await count(registry, 'ping')).toBe(1);
    timing.restore();
    await held.ping();
    expect(await count(registry, 'ping')).toBe(1);
  });
});
