import { Histogram } from 'prom-client';
import type { Storage } from '../storage/port.ts';
import type { Tracing } from './tracing.ts';

/** The names of the Storage port's methods. */
export type StorageOperation = {
  [K in keyof Storage]-?: Storage[K] extends (...args: never[]) => unknown ? K : never;
}[keyof Storage];

/**
 * Every method of the Storage port. The type makes this list complete: a method added to
 * the port and not here fails the type check, so no storage call goes untimed.
 */
const OPERATIONS: Record<StorageOperation, true> = {
  migrate: true,
  ping: true,
  close: true,
  mutate: true,
  getCart: true,
  readCart: true,
  getIdempotency: true,
  listProducts: true,
  getProduct: true,
  createProduct: true,
  updateProduct: true,
  deleteProduct: true,
  countProducts: true,
  listDiscounts: true,
  getDiscount: true,
  createDiscount: true,
  deleteDiscount: true,
  seedCatalog: true,
  listRegions: true,
  listShippingOptions: true,
  createRegion: true,
  updateRegion: true,
  deleteRegion: true,
  createShippingOption: true,
  updateShippingOption: true,
  deleteShippingOption: true,
  seedRegions: true,
  listAudit: true,
  readAuditChain: true,
  findExpiredCarts: true,
  purgeIdempotency: true,
  serverSecret: true,
  revokeAdminSession: true,
  isAdminSessionRevoked: true,
  purgeRevokedAdminSessions: true,
  findIdleCarts: true,
  markAbandoned: true,
  analyticsCounts: true,
  recordRefusals: true,
  refusalCounts: true,
  recordError: true,
  purgeErrorGroups: true,
  listErrorGroups: true,
  getErrorGroup: true,
  recordAlertEvent: true,
  listAlertEvents: true,
};

export const STORAGE_OPERATIONS = Object.keys(OPERATIONS) as StorageOperation[];

/** Storage call durations, seconds: most are well under a millisecond on SQLite. */
export const DB_DURATION_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

export interface StorageInstrumentation {
  /** `cart_db_query_duration_seconds{operation}`, not yet in any registry. */
  histogram: Histogram<'operation'>;
  /** Puts the storage's own methods back (the app is closing). */
  restore(): void;
}

const WRAPPED = Symbol('instrumented storage method');
type Method = ((...args: unknown[]) => unknown) & { [WRAPPED]?: true };

/**
 * Times every Storage method call into `cart_db_query_duration_seconds{operation}`
 * (failures included) and, when tracing is on, makes a CLIENT span for it, a child of the
 * request's span. The storage object is instrumented in place (its port methods are
 * wrapped as own properties), so it stays the same object for everyone holding it — the
 * app, its routes, its plugins and a test that passed it in — and every call is seen,
 * whoever makes it. (The adapters never call their own port methods, so nothing is
 * counted twice.) `restore()` removes the wrappers.
 */
export function instrumentStorage(
  storage: Storage,
  tracing: Tracing | null = null,
): StorageInstrumentation {
  const histogram = new Histogram({
    name: 'cart_db_query_duration_seconds',
    help: 'Duration of storage (database) operations, by operation.',
    labelNames: ['operation'] as const,
    buckets: DB_DURATION_BUCKETS,
    registers: [],
  });
  const target = storage as unknown as Record<string, Method | undefined>;
  const installed: { name: string; wrapper: Method; own: boolean; previous: Method | undefined }[] =
    [];
  const dialect = storage.dialect;
  const system = dialect === 'postgres' ? 'postgresql' : dialect;

  for (const name of STORAGE_OPERATIONS) {
    const original = target[name];
    if (typeof original !== 'function') continue;
    const timer = histogram.labels(name);
    const wrapper: Method = (...args: unknown[]): unknown => {
      const started = performance.now();
      const span = tracing?.startDbSpan(name, system) ?? null;
      const done = (error?: unknown) => {
        timer.observe((performance.now() - started) / 1000);
        if (span) tracing?.endDbSpan(span, error);
      };
      let result: unknown;
      try {
        result = original.apply(storage, args);
      } catch (error) {
        done(error);
        throw error;
      }
      if (result instanceof Promise)
        return result.then(
          (value: unknown) => {
            done();
            return value;
          },
          (error: unknown) => {
            done(error ?? new Error('rejected'));
            throw error;
          },
        );
      done();
      return result;
    };
    wrapper[WRAPPED] = true;
    installed.push({ name, wrapper, own: Object.hasOwn(target, name), previous: target[name] });
    target[name] = wrapper;
  }

  return {
    histogram,
    restore() {
      for (const { name, wrapper, own, previous } of installed.splice(0)) {
        // Someone replaced it since (a test's spy): leave theirs alone.
        if (target[name] !== wrapper) continue;
        if (own) target[name] = previous;
        else delete target[name];
      }
    },
  };
}
