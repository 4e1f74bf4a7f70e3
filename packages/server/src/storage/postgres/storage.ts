/**
 * The PostgreSQL adapter of the storage port: the class that opens the pool
 * (connection.ts), composes the modules — carts.ts, mutation.ts, catalog.ts, audit.ts,
 * monitoring.ts — and answers for the lifecycle. Each port method is one module's.
 */
import type pg from 'pg';
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
} from '@cart/core';
import type { AuditKeyring } from '../../audit/keyring.ts';
import type {
  AlertEventInput,
  AnalyticsCounts,
  AnalyticsEvent,
  AuditEntry,
  AuditQuery,
  AuditRecord,
  CartRead,
  CatalogSeed,
  DiscountPage,
  ErrorGroupLimits,
  ErrorGroupQuery,
  ErrorOccurrence,
  ErrorRecordOutcome,
  IdempotencyRecord,
  MutationDecision,
  MutationPlan,
  MutationSnapshot,
  Storage,
  StoredCart,
} from '../port.ts';
import { PostgresAudit } from './audit.ts';
import { PostgresCarts } from './carts.ts';
import { PostgresCatalog } from './catalog.ts';
import { connect, type PostgresConnection } from './connection.ts';
import type { GroupCommit, GroupCommitOptions } from './group-commit.ts';
import { applyMigrations } from './migrations.ts';
import { PostgresMonitoring } from './monitoring.ts';
import { PostgresMutation } from './mutation.ts';

export interface PostgresStorageOptions {
  /** `postgres://…`; a schema is chosen with `?options=-c%20search_path%3D<schema>`. */
  connectionString: string;
  /** Most connections this process opens (DATABASE_POOL_MAX). */
  poolMax?: number;
  /** Longest any statement may run, lock waits included (DATABASE_STATEMENT_TIMEOUT_MS). */
  statementTimeoutMs?: number;
  /** Longest wait for a connection, new or from the pool, before a request fails (DATABASE_POOL_WAIT_MS). */
  connectionTimeoutMs?: number;
  /** An idle connection is closed after this long. */
  idleTimeoutMs?: number;
  /**
   * The audit chain's keys, shared by every instance (AUDIT_KEYS or AUDIT_KEY_FILE; see
   * src/audit/keyring.ts). An empty ring can read and verify but never append.
   */
  auditKeys: AuditKeyring;
  /**
   * Mutation groups in flight at once and mutations per group (group-commit.ts);
   * by default two groups (fewer with a pool under four) of up to 64.
   */
  groupCommit?: Partial<GroupCommitOptions>;
}

/**
 * PostgreSQL through a bounded `pg.Pool`, for several server processes on one database.
 *
 * Where SQLite serializes every transaction, here they run side by side (READ COMMITTED),
 * and correctness comes from three things:
 * - a mutation locks the rows it decides on, its cart (and a merge's source, both in id
 *   order, so two merges cannot deadlock), with `SELECT … FOR UPDATE`: changes to one cart
 *   queue, none is lost. Within a process they queue before that, in memory (`CartQueue`),
 *   so that waiters do not each hold a connection;
 * - what is shared between carts is written conditionally (stock, code uses, the
 *   idempotency record): a race lost to another cart is a WriteConflictError, and the
 *   service decides again on fresh data. Products are read, not locked, so carts holding
 *   a popular product never wait for one another;
 * - the audit chain is appended under one advisory lock, taken last, so the chain stays
 *   one line however many processes write, and the lock is held only for the append and
 *   the commit. Because that commit is a WAL flush, mutations of different carts that
 *   arrive together share one transaction (`GroupCommit`): one flush, one hold of the
 *   chain's lock, for all of them.
 */
export class PostgresStorage implements Storage {
  readonly dialect = 'postgres' as const;
  readonly auditKeys: AuditKeyring;
  /** The pool and its transactions (connection.ts); the tests watch the pool. */
  private readonly conn: PostgresConnection;
  private readonly pool: pg.Pool;
  /** Mutation groups (group-commit.ts); its `stats` are read by the tests. */
  readonly groups: GroupCommit;
  private closed = false;
  private readonly carts: PostgresCarts;
  private readonly mutation: PostgresMutation;
  private readonly catalog: PostgresCatalog;
  private readonly audit: PostgresAudit;
  private readonly monitoring: PostgresMonitoring;

  constructor(options: PostgresStorageOptions) {
    this.auditKeys = options.auditKeys;
    const poolMax = options.poolMax ?? 10;
    const statementTimeoutMs = options.statementTimeoutMs ?? 5000;
    this.conn = connect({
      connectionString: options.connectionString,
      poolMax,
      statementTimeoutMs,
      connectionTimeoutMs: options.connectionTimeoutMs ?? 5000,
      idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
    });
    this.pool = this.conn.pool;
    this.audit = new PostgresAudit(this.conn, this.auditKeys);
    this.monitoring = new PostgresMonitoring(this.conn);
    this.mutation = new PostgresMutation(this.conn, this.audit, {
      statementTimeoutMs,
      poolMax,
      groupCommit: options.groupCommit,
    });
    this.groups = this.mutation.groups;
    this.carts = new PostgresCarts(this.conn);
    this.catalog = new PostgresCatalog(this.conn, this.audit, this.mutation);
  }

  // ---- lifecycle ----------------------------------------------------------------

  async migrate(): Promise<void> {
    await this.conn.transaction((c) => applyMigrations(c));
  }

  async ping(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

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
