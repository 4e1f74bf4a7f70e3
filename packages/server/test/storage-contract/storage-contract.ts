/**
 * The storage contract: what every adapter of the port (`src/storage/port.ts`) must do, as
 * one suite that each adapter's test file runs against a database of its own
 * (`src/storage/sqlite/storage.test.ts`,
 * `src/storage/postgres/storage.test.ts`). Only the port is used, plus two
 * read-only peeks at what the port writes but never reads back (analytics events and
 * orders), so a third adapter can run it as it is.
 *
 * The tests of one run share the database, in the order written: each makes its own
 * carts, products and codes with fresh ids, and counts audit records relative to the
 * head, so none depends on another's rows. Only the first expects an empty database;
 * a test that needs one later (the catalog seed) opens one of its own (`emptyDatabase`).
 */
import { afterAll, beforeAll, describe } from 'vitest';
import type { AuditKeyring } from '../../src/audit/keyring.ts';
import type { AnalyticsEvent, OrderRecord, Storage } from '../../src/storage/port.ts';
import { defineAuditContract } from './audit-contract.ts';
import { defineCatalogContract } from './catalog-contract.ts';
import { defineLifecycleContract } from './lifecycle-contract.ts';
import { defineMonitoringContract } from './monitoring-contract.ts';
import { defineMutationContract } from './mutation-contract.ts';
import { defineRefusalsContract } from './refusals-contract.ts';
import { defineRegionsContract } from './regions-contract.ts';
import { defineRegionsSeedContract } from './regions-seed-contract.ts';
import { defineSeedContract } from './seed-contract.ts';
import { defineSharedContract } from './shared-contract.ts';

/** One adapter on a database of its own, migrated and empty. */
export interface StorageUnderTest {
  storage: Storage;
  /**
   * A second adapter on the same database: it migrates again, which must change nothing.
   * `auditKeys`: the keys it signs (the first) and verifies audit records with.
   */
  reopen: (auditKeys?: AuditKeyring) => Promise<Storage>;
  /** The analytics events of a cart, oldest first, read behind the port's back. */
  events: (cartId: string) => Promise<AnalyticsEvent[]>;
  /** The orders of a cart, read behind the port's back. */
  orders: (cartId: string) => Promise<OrderRecord[]>;
  /**
   * A new database of its own, migrated and empty, for what only an empty one shows (the
   * catalog seed): `instances` adapters on it, as that many server instances would open
   * it, with the same audit keys.
   */
  emptyDatabase: (instances: number) => Promise<Storage[]>;
  /** Closes every adapter opened for the suite and removes its databases. */
  cleanup: () => Promise<void>;
}

/** The subject of a run, once its `beforeAll` has opened it (its failure, if it could not). */
export type OpenedStorage = () => Promise<StorageUnderTest>;

export function defineStorageContract(label: string, open: () => Promise<StorageUnderTest>): void {
  describe(`storage contract: ${label}`, () => {
    let opened: Promise<StorageUnderTest> = Promise.reject(new Error('not opened yet'));
    opened.catch(() => undefined);
    const subject: OpenedStorage = () => opened;

    beforeAll(async () => {
      opened = open();
      await opened;
    });
    afterAll(async () => {
      await (await opened).cleanup();
    });

    defineLifecycleContract(subject);
    defineCatalogContract(subject);
    defineSeedContract(subject);
    defineMutationContract(subject);
    defineRegionsContract(subject);
    defineRegionsSeedContract(subject);
    defineAuditContract(subject);
    defineMonitoringContract(subject);
    defineRefusalsContract(subject);
    defineSharedContract(subject);
  });
}
