/**
 * The monitoring module of the SQLite adapter: analytics events (written with the change
 * they record) and their counts, the idle sweep, error groups and alert history.
 */
import type Database from 'better-sqlite3';
import {
  LOST_DEMAND_CODES,
  type AlertEvent,
  type CartState,
  type ErrorGroup,
  type ErrorGroupSummary,
} from '@cart/core';
import type {
  AlertEventInput,
  AnalyticsCounts,
  AnalyticsEvent,
  ErrorGroupLimits,
  RefusalCounts,
  RefusalEvent,
  ErrorGroupQuery,
  ErrorOccurrence,
  ErrorRecordOutcome,
  MonitoringStore,
} from '../port.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import {
  ANALYTICS_WINDOW_TYPES,
  toAlertEvent,
  toAnalyticsCounts,
  toAnalyticsEventRow,
  toRefusalCounts,
  toRefusalRow,
  toErrorGroup,
  toErrorGroupSummary,
  type AlertEventRow,
  type AnalyticsEventRow,
  type AnalyticsTypeRow,
  type ErrorGroupRow,
  type LostDemandRow,
  type RefusalRow,
  type RefusedCodeRow,
  type TopProductRow,
} from '../monitoring-rows.ts';
import { toCartStateFromRow, type StoredCartState } from '../rows.ts';
import { prepareOnBoth, read, type SqliteConnection } from './connection.ts';

/**
 * The idle condition of the abandonment sweep, on the `carts` row: active, holding a
 * line, last changed before the cut-off, and not counted as abandoned since that change.
 */
const IDLE = `status = 'active' AND updated_at < @idleBefore
  AND (abandoned_at IS NULL OR abandoned_at < updated_at)
  AND json_array_length(state, '$.lines') > 0`;

/** Every column of a group but its stack, for lists. */
const SUMMARY_COLUMNS =
  'fingerprint, source, error_class, message, route, top_frame, count, first_seen, last_seen, sample_request_id';

/**
 * One more occurrence of a group that exists: counted, and its sample (message, frame,
 * request id, stack) if it is at least as new as the group's latest. An UPDATE first, so
 * that an occurrence of a known group never needs the count a new group does.
 */
const BUMP_GROUP = `UPDATE error_groups SET
  count = count + 1,
  first_seen = min(first_seen, @at),
  last_seen = max(last_seen, @at),
  message = CASE WHEN @at >= last_seen THEN @message ELSE message END,
  top_frame = CASE WHEN @at >= last_seen THEN @topFrame ELSE top_frame END,
  sample_request_id = CASE WHEN @at >= last_seen THEN @requestId ELSE sample_request_id END,
  stack = CASE WHEN @at >= last_seen THEN @stack ELSE stack END
  WHERE fingerprint = @fingerprint`;

const statements = (db: Database.Database) => ({
  idleCarts: db.prepare<{ idleBefore: string; limit: number }, { state: string }>(
    `SELECT state FROM carts WHERE ${IDLE} ORDER BY updated_at LIMIT @limit`,
  ),
  // The mark is never earlier than the change it follows, so that the cart is idle
  // again only after a later change, whatever the clocks did.
  markAbandoned: db.prepare<{ id: string; idleBefore: string; at: string }>(
    `UPDATE carts SET abandoned_at = max(@at, updated_at) WHERE id = @id AND ${IDLE}`,
  ),
  insertEvent: db.prepare<AnalyticsEventRow>(
    `INSERT INTO analytics_events (at, type, cart_id, product_id, quantity, amount, currency)
     VALUES (@at, @type, @cart_id, @product_id, @quantity, @amount, @currency)`,
  ),
  windowTypes: db.prepare<[string, string, string], AnalyticsTypeRow>(
    `SELECT type, count(DISTINCT cart_id) AS carts, count(*) AS events, coalesce(sum(amount), 0) AS amount
     FROM analytics_events
     WHERE at >= ? AND at < ? AND type IN (SELECT value FROM json_each(?))
     GROUP BY type`,
  ),
  topProducts: db.prepare<[string, string, number], TopProductRow>(
    `SELECT product_id, sum(quantity) AS quantity_added, count(DISTINCT cart_id) AS carts
     FROM analytics_events
     WHERE at >= ? AND at < ? AND type IN ('line_added', 'quantity_changed')
       AND product_id IS NOT NULL AND quantity > 0
     GROUP BY product_id ORDER BY quantity_added DESC, product_id LIMIT ?`,
  ),
  insertRefusal: db.prepare<RefusalRow>(
    `INSERT INTO refusals (at, stage, code, cart_id, product_id, quantity)
     VALUES (@at, @stage, @code, @cart_id, @product_id, @quantity)`,
  ),
  refusedByCode: db.prepare<[string, string], RefusedCodeRow>(
    `SELECT code, count(*) AS count FROM refusals
     WHERE at >= ? AND at < ? AND stage = 'checkout'
     GROUP BY code ORDER BY count DESC, code`,
  ),
  checkoutCarts: db.prepare<{ from: string; to: string }, { n: number }>(
    `SELECT count(*) AS n FROM (
       SELECT cart_id FROM analytics_events
       WHERE at >= @from AND at < @to AND type = 'checkout_started'
       UNION
       SELECT cart_id FROM refusals WHERE at >= @from AND at < @to AND stage = 'checkout'
     )`,
  ),
  lostDemand: db.prepare<[string, string, string, number], LostDemandRow>(
    `SELECT product_id, code, count(*) AS refusals, coalesce(sum(quantity), 0) AS units,
       count(DISTINCT cart_id) AS carts
     FROM refusals
     WHERE at >= ? AND at < ? AND product_id IS NOT NULL
       AND code IN (SELECT value FROM json_each(?))
     GROUP BY product_id, code ORDER BY refusals DESC, units DESC, product_id, code LIMIT ?`,
  ),
  bumpErrorGroup: db.prepare<ErrorOccurrence>(BUMP_GROUP),
  countErrorGroups: db.prepare<[string], { n: number }>(
    'SELECT count(*) AS n FROM error_groups WHERE source = ?',
  ),
  insertErrorGroup: db.prepare<ErrorOccurrence>(
    `INSERT INTO error_groups (fingerprint, source, error_class, message, route, top_frame, count, first_seen, last_seen, sample_request_id, stack)
     VALUES (@fingerprint, @source, @errorClass, @message, @route, @topFrame, 1, @at, @at, @requestId, @stack)`,
  ),
  purgeErrorGroups: db.prepare<[string]>('DELETE FROM error_groups WHERE last_seen < ?'),
  errorGroups: db.prepare<
    { source: string | null; at: string | null; id: string | null; limit: number },
    ErrorGroupRow
  >(
    `SELECT ${SUMMARY_COLUMNS}, '' AS stack FROM error_groups
     WHERE (@source IS NULL OR source = @source)
       AND (@at IS NULL OR last_seen < @at OR (last_seen = @at AND fingerprint < @id))
     ORDER BY last_seen DESC, fingerprint DESC LIMIT @limit`,
  ),
  errorGroup: db.prepare<[string], ErrorGroupRow>(
    'SELECT * FROM error_groups WHERE fingerprint = ?',
  ),
  insertAlert: db.prepare<AlertEventInput, AlertEventRow>(
    'INSERT INTO alert_events (rule, state, at, value, summary) VALUES (@rule, @state, @at, @value, @summary) RETURNING *',
  ),
  alerts: db.prepare<[number], AlertEventRow>(
    'SELECT * FROM alert_events ORDER BY id DESC LIMIT ?',
  ),
});

type Statements = ReturnType<typeof statements>;

export class SqliteMonitoring implements MonitoringStore {
  private readonly stmt: Statements;
  private readonly reads: Statements;

  constructor(private readonly conn: SqliteConnection) {
    ({ stmt: this.stmt, reads: this.reads } = prepareOnBoth(conn, statements));
  }

  /** Records analytics events, in order. Inside a write only (a mutation's, the sweep's). */
  appendEvents(events: readonly AnalyticsEvent[]): void {
    for (const e of events) this.stmt.insertEvent.run(toAnalyticsEventRow(e));
  }

  findIdleCarts(idleBefore: string, limit: number): Promise<CartState[]> {
    return read(() =>
      this.reads.idleCarts
        .all({ idleBefore, limit })
        .map((r) => toCartStateFromRow(JSON.parse(r.state) as StoredCartState)),
    );
  }

  markAbandoned(cartId: string, idleBefore: string, e: AnalyticsEvent): Promise<boolean> {
    return this.conn.commits.write(() =>
      this.conn.db
        .transaction(() => {
          const marked = this.stmt.markAbandoned.run({ id: cartId, idleBefore, at: e.at });
          if (marked.changes !== 1) return false;
          this.appendEvents([e]);
          return true;
        })
        .immediate(),
    );
  }

  analyticsCounts(from: string, to: string, topLimit: number): Promise<AnalyticsCounts> {
    // One read transaction, so that both queries see the same events.
    return read(() =>
      this.conn.reader.transaction(() =>
        toAnalyticsCounts(
          this.reads.windowTypes.all(from, to, JSON.stringify(ANALYTICS_WINDOW_TYPES)),
          this.reads.topProducts.all(from, to, topLimit),
        ),
      )(),
    );
  }

  recordRefusals(events: readonly RefusalEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return this.conn.commits.write(() =>
      this.conn.db
        .transaction(() => {
          for (const e of events) this.stmt.insertRefusal.run(toRefusalRow(e));
        })
        .immediate(),
    );
  }

  refusalCounts(from: string, to: string, lostDemandLimit: number): Promise<RefusalCounts> {
    // One read transaction, so that the three queries see the same rows.
    return read(() =>
      this.conn.reader.transaction(() =>
        toRefusalCounts(
          this.reads.refusedByCode.all(from, to),
          this.reads.checkoutCarts.get({ from, to })?.n ?? 0,
          this.reads.lostDemand.all(
            from,
            to,
            JSON.stringify(Object.keys(LOST_DEMAND_CODES)),
            lostDemandLimit,
          ),
        ),
      )(),
    );
  }

  /** One transaction: counted if the group exists, else a new group if the limits allow. */
  recordError(occurrence: ErrorOccurrence, limits: ErrorGroupLimits): Promise<ErrorRecordOutcome> {
    return this.conn.commits.write(() =>
      this.conn.db
        .transaction((): ErrorRecordOutcome => {
          if (this.stmt.bumpErrorGroup.run(occurrence).changes === 1) return 'counted';
          if (!limits.mayCreate) return 'refused';
          const groups = this.stmt.countErrorGroups.get(occurrence.source)?.n ?? 0;
          if (groups >= limits.maxGroups) return 'refused';
          this.stmt.insertErrorGroup.run(occurrence);
          return 'created';
        })
        .immediate(),
    );
  }

  purgeErrorGroups(before: string): Promise<number> {
    return this.conn.commits.write(() => this.stmt.purgeErrorGroups.run(before).changes);
  }

  listErrorGroups(
    q: ErrorGroupQuery,
  ): Promise<{ items: ErrorGroupSummary[]; nextCursor: string | null }> {
    return read(() => {
      const after = q.cursor === null ? null : decodeCursor(q.cursor);
      const rows = this.reads.errorGroups.all({
        source: q.source ?? null,
        at: after?.at ?? null,
        id: after?.id ?? null,
        limit: q.limit + 1,
      });
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      return {
        items: page.map(toErrorGroupSummary),
        nextCursor:
          rows.length > q.limit && last
            ? encodeCursor({ at: last.last_seen, id: last.fingerprint })
            : null,
      };
    });
  }

  getErrorGroup(fingerprint: string): Promise<ErrorGroup | null> {
    return read(() => {
      const row = this.reads.errorGroup.get(fingerprint);
      return row ? toErrorGroup(row) : null;
    });
  }

  recordAlertEvent(event: AlertEventInput): Promise<AlertEvent> {
    return this.conn.commits.write(() => {
      const row = this.stmt.insertAlert.get(event);
      if (!row) throw new Error('the alert event was not stored');
      return toAlertEvent(row);
    });
  }

  listAlertEvents(limit: number): Promise<AlertEvent[]> {
    return read(() => this.reads.alerts.all(limit).map(toAlertEvent));
  }
}
