/**
 * The part of the storage port both adapters answer the same way: by handing each method
 * to the module that owns it. An adapter (sqlite/storage.ts, postgres/storage.ts) opens
 * its connection, builds its modules (carts.ts, mutation.ts, catalog.ts, regions.ts,
 * audit.ts, monitoring.ts of its dialect) and answers for the lifecycle (`dialect`, `auditKeys`,
 * `migrate`, `ping`, `close`); every other method of `Storage` is one of these.
 */
import type {
  AlertEvent,
  CartState,
  Discount,
  DiscountInput,
  ErrorGroup,
  ErrorGroupSummary,
  Product,
  ProductInput,
  ProductPage,
  Region,
  RegionInput,
  ShippingOption,
  ShippingOptionInput,
} from '@cart/core';
import type {
  AlertEventInput,
  AnalyticsCounts,
  AnalyticsEvent,
  AuditEntry,
  AuditQuery,
  AuditRecord,
  AuditStore,
  CartRead,
  CartStore,
  CatalogSeed,
  CatalogStore,
  DiscountPage,
  ErrorGroupLimits,
  ErrorGroupQuery,
  ErrorOccurrence,
  ErrorRecordOutcome,
  IdempotencyRecord,
  RefusalCounts,
  RefusalEvent,
  MonitoringStore,
  MutationDecision,
  MutationPlan,
  MutationSnapshot,
  RegionStore,
  Storage,
  StoredCart,
} from './port.ts';

type Lifecycle = 'dialect' | 'auditKeys' | 'migrate' | 'ping' | 'close';

export abstract class ComposedStorage implements Omit<Storage, Lifecycle> {
  /** Reads of carts and stored answers, sweeps, and what every instance shares. */
  protected abstract readonly carts: Omit<CartStore, 'mutate'>;
  /** The one transaction of a change (load, decide, write). */
  protected abstract readonly mutation: Pick<CartStore, 'mutate'>;
  protected abstract readonly catalog: CatalogStore;
  protected abstract readonly regions: RegionStore;
  protected abstract readonly audit: Omit<AuditStore, 'auditKeys'>;
  protected abstract readonly monitoring: MonitoringStore;

  // ---- carts (carts.ts, mutation.ts) --------------------------------------------

  mutate<T>(
    plan: MutationPlan,
    decide: (snapshot: MutationSnapshot) => MutationDecision<T>,
  ): Promise<T> {
    return this.mutation.mutate(plan, decide);
  }

  getCart(id: string): Promise<StoredCart | null> {
    return this.carts.getCart(id);
  }

  readCart(id: string, knownVersion: number | null): Promise<CartRead | null> {
    return this.carts.readCart(id, knownVersion);
  }

  getIdempotency(id: string): Promise<IdempotencyRecord | null> {
    return this.carts.getIdempotency(id);
  }

  findExpiredCarts(now: string, limit: number): Promise<string[]> {
    return this.carts.findExpiredCarts(now, limit);
  }

  purgeIdempotency(now: string): Promise<number> {
    return this.carts.purgeIdempotency(now);
  }

  serverSecret(name: string, candidate: Buffer): Promise<Buffer> {
    return this.carts.serverSecret(name, candidate);
  }

  revokeAdminSession(id: string, expiresAt: string): Promise<void> {
    return this.carts.revokeAdminSession(id, expiresAt);
  }

  isAdminSessionRevoked(id: string): Promise<boolean> {
    return this.carts.isAdminSessionRevoked(id);
  }

  purgeRevokedAdminSessions(now: string): Promise<number> {
    return this.carts.purgeRevokedAdminSessions(now);
  }

  // ---- catalog (catalog.ts) -----------------------------------------------------

  listProducts(limit: number, cursor: string | null): Promise<ProductPage> {
    return this.catalog.listProducts(limit, cursor);
  }

  getProduct(id: string): Promise<Product | null> {
    return this.catalog.getProduct(id);
  }

  countProducts(): Promise<number> {
    return this.catalog.countProducts();
  }

  createProduct(
    product: Product,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Product> {
    return this.catalog.createProduct(product, audit, idempotency);
  }

  updateProduct(
    id: string,
    input: ProductInput,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Product | null> {
    return this.catalog.updateProduct(id, input, audit, idempotency);
  }

  deleteProduct(
    id: string,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<boolean> {
    return this.catalog.deleteProduct(id, audit, idempotency);
  }

  listDiscounts(limit: number, cursor: string | null): Promise<DiscountPage> {
    return this.catalog.listDiscounts(limit, cursor);
  }

  getDiscount(code: string): Promise<Discount | null> {
    return this.catalog.getDiscount(code);
  }

  createDiscount(
    discount: DiscountInput,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Discount> {
    return this.catalog.createDiscount(discount, audit, idempotency);
  }

  deleteDiscount(
    code: string,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<boolean> {
    return this.catalog.deleteDiscount(code, audit, idempotency);
  }

  seedCatalog(seed: CatalogSeed): Promise<boolean> {
    return this.catalog.seedCatalog(seed);
  }

  // ---- regions and shipping options (regions.ts) --------------------------------

  listRegions(): Promise<Region[]> {
    return this.regions.listRegions();
  }

  listShippingOptions(): Promise<ShippingOption[]> {
    return this.regions.listShippingOptions();
  }

  createRegion(
    region: Region,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Region> {
    return this.regions.createRegion(region, audit, idempotency);
  }

  updateRegion(
    id: string,
    input: RegionInput,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Region | null> {
    return this.regions.updateRegion(id, input, audit, idempotency);
  }

  deleteRegion(
    id: string,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<boolean> {
    return this.regions.deleteRegion(id, audit, idempotency);
  }

  createShippingOption(
    option: ShippingOption,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<ShippingOption> {
    return this.regions.createShippingOption(option, audit, idempotency);
  }

  updateShippingOption(
    id: string,
    input: ShippingOptionInput,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<ShippingOption | null> {
    return this.regions.updateShippingOption(id, input, audit, idempotency);
  }

  deleteShippingOption(
    id: string,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<boolean> {
    return this.regions.deleteShippingOption(id, audit, idempotency);
  }

  seedRegions(
    regions: readonly { region: Region; audit: AuditEntry }[],
    options: readonly { option: ShippingOption; audit: AuditEntry }[],
  ): Promise<boolean> {
    return this.regions.seedRegions(regions, options);
  }

  // ---- audit (audit.ts) ---------------------------------------------------------

  listAudit(query: AuditQuery): Promise<AuditRecord[]> {
    return this.audit.listAudit(query);
  }

  readAuditChain(afterSeq: number, limit: number): Promise<AuditRecord[]> {
    return this.audit.readAuditChain(afterSeq, limit);
  }

  // ---- monitoring (monitoring.ts) -----------------------------------------------

  findIdleCarts(idleBefore: string, limit: number): Promise<CartState[]> {
    return this.monitoring.findIdleCarts(idleBefore, limit);
  }

  markAbandoned(cartId: string, idleBefore: string, event: AnalyticsEvent): Promise<boolean> {
    return this.monitoring.markAbandoned(cartId, idleBefore, event);
  }

  analyticsCounts(from: string, to: string, topLimit: number): Promise<AnalyticsCounts> {
    return this.monitoring.analyticsCounts(from, to, topLimit);
  }

  recordRefusals(events: readonly RefusalEvent[]): Promise<void> {
    return this.monitoring.recordRefusals(events);
  }

  refusalCounts(from: string, to: string, lostDemandLimit: number): Promise<RefusalCounts> {
    return this.monitoring.refusalCounts(from, to, lostDemandLimit);
  }

  recordError(occurrence: ErrorOccurrence, limits: ErrorGroupLimits): Promise<ErrorRecordOutcome> {
    return this.monitoring.recordError(occurrence, limits);
  }

  purgeErrorGroups(before: string): Promise<number> {
    return this.monitoring.purgeErrorGroups(before);
  }

  listErrorGroups(
    query: ErrorGroupQuery,
  ): Promise<{ items: ErrorGroupSummary[]; nextCursor: string | null }> {
    return this.monitoring.listErrorGroups(query);
  }

  getErrorGroup(fingerprint: string): Promise<ErrorGroup | null> {
    return this.monitoring.getErrorGroup(fingerprint);
  }

  recordAlertEvent(event: AlertEventInput): Promise<AlertEvent> {
    return this.monitoring.recordAlertEvent(event);
  }

  listAlertEvents(limit: number): Promise<AlertEvent[]> {
    return this.monitoring.listAlertEvents(limit);
  }
}
