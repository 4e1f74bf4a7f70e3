import type Database from 'better-sqlite3';
import type { AlertEvent, CartState, ErrorGroup, ErrorGroupSummary } from '@cart/core';
import type {
  AlertEventInput,
  AnalyticsCounts,
  AnalyticsEvent,
  ErrorGroupLimits,
  ErrorGroupQuery,
  ErrorOccurrence,
  ErrorRecordOutcome,
} from '../port.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import {
  ANALYTICS_WINDOW_TYPES,
  toAlertEvent,
  toAnalyticsCounts,
  toCartStateFromRow,
  toErrorGroup,
  toErrorGroupSummary,
  type AlertEventRow,
  type AnalyticsTypeRow,
  type ErrorGroupRow,
  type StoredCartState,
  type TopProductRow,
} from '../rows.ts';

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

/**
 * The monitoring half of the SQLite adapter (`Storage` "monitoring" methods): the idle
 * sweep, analytics counts, error groups and alert history. Statements are prepared once,
 * on the connection `SqliteStorage` opened and migrated.
 */
export class SqliteMonitoring {
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      idleCarts: db.prepare<{ idleBefore: string; limit: number }, { state: string }>(
        `SELECT state FROM carts WHERE ${IDLE} ORDER BY updated_at LIMIT @limit`,
      ),
      // The mark is never earlier than the change it follows, so that the cart is idle
      // again only after a later change, whatever the clocks did.
      markAbandoned: db.prepare<{ id: string; idleBefore: string; at: string }>(
        `UPDATE carts SET abandoned_at = max(@at, updated_at) WHERE id = @id AND ${IDLE}`,
      ),
      insertEvent: db.prepare(
        'INSERT INTO analytics_events (at, type, cart_id, product_id, quantity, amount, currency) VALUES (?, ?, ?, ?, ?, ?, ?)',
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
    };
  }

  findIdleCarts(idleBefore: string, limit: number): CartState[] {
    return this.stmt.idleCarts
      .all({ idleBefore, limit })
      .map((r) => toCartStateFromRow(JSON.parse(r.state) as StoredCartState));
  }

  markAbandoned(cartId: string, idleBefore: string, e: AnalyticsEvent): boolean {
    return this.db
      .transaction(() => {
        const marked = this.stmt.markAbandoned.run({ id: cartId, idleBefore, at: e.at });
        if (marked.changes !== 1) return false;
        this.stmt.insertEvent.run(
          e.at,
          e.type,
          e.cartId,
          e.productId ?? null,
          e.quantity ?? null,
          e.amount ?? null,
          e.currency ?? null,
        );
        return true;
      })
      .immediate();
  }

  analyticsCounts(from: string, to: string, topLimit: number): AnalyticsCounts {
    // One read transaction, so that both queries see the same events.
    return this.db.transaction(() =>
      toAnalyticsCounts(
        this.stmt.windowTypes.all(from, to, JSON.stringify(ANALYTICS_WINDOW_TYPES)),
        this.stmt.topProducts.all(from, to, topLimit),
      ),
    )();
  }

  /** One transaction: counted if the group exists, else a new group if the limits allow. */
  recordError(occurrence: ErrorOccurrence, limits: ErrorGroupLimits): ErrorRecordOutcome {
    return this.db
      .transaction((): ErrorRecordOutcome => {
        if (this.stmt.bumpErrorGroup.run(occurrence).changes === 1) return 'counted';
        if (!limits.mayCreate) return 'refused';
        const groups = this.stmt.countErrorGroups.get(occurrence.source)?.n ?? 0;
        if (groups >= limits.maxGroups) return 'refused';
        this.stmt.insertErrorGroup.run(occurrence);
        return 'created';
      })
      .immediate();
  }

  purgeErrorGroups(before: string): number {
    return this.stmt.purgeErrorGroups.run(before).changes;
  }

  listErrorGroups(q: ErrorGroupQuery): { items: ErrorGroupSummary[]; nextCursor: string | null } {
    const after = q.cursor === null ? null : decodeCursor(q.cursor);
    const rows = this.stmt.errorGroups.all({
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
  }

  getErrorGroup(fingerprint: string): ErrorGroup | null {
    const row = this.stmt.errorGroup.get(fingerprint);
    return row ? toErrorGroup(row) : null;
  }

  recordAlertEvent(event: AlertEventInput): AlertEvent {
    const row = this.stmt.insertAlert.get(event);
    if (!row) throw new Error('the alert event was not stored');
    return toAlertEvent(row);
  }

  listAlertEvents(limit: number): AlertEvent[] {
    return this.stmt.alerts.all(limit).map(toAlertEvent);
  }
}
