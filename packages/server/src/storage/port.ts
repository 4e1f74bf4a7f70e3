/**
 * The storage port: everything the service keeps, behind one interface with an adapter
 * per database (sqlite/ and postgres/, each with one file per module below). Adapters
 * hold no business rules; they load, lock and write. The rules live in @cart/core and
 * the cart service.
 *
 * `Storage` is one interface made of one per module, each declared with the types it
 * speaks: carts and mutations (port/carts.ts), the catalog (port/catalog.ts), the audit
 * log (port/audit.ts), regions and shipping options (port/regions.ts) and monitoring
 * (port/monitoring.ts). Callers import all of them
 * from here.
 */
import type { AuditStore } from './port/audit.ts';
import type { CartStore } from './port/carts.ts';
import type { CatalogStore } from './port/catalog.ts';
import type { MonitoringStore } from './port/monitoring.ts';
import type { RegionStore } from './port/regions.ts';

export * from './port/audit.ts';
export * from './port/carts.ts';
export * from './port/catalog.ts';
export * from './port/monitoring.ts';
export * from './port/regions.ts';

export interface Storage extends CartStore, CatalogStore, RegionStore, AuditStore, MonitoringStore {
  readonly dialect: 'sqlite' | 'postgres';
  /** Applies pending migrations; safe to call on every start. */
  migrate(): Promise<void>;
  /** Whether the database answers now (readiness). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
