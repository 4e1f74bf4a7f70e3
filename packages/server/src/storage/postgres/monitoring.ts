/**
 * The monitoring module of the PostgreSQL adapter: analytics counts (the events are
 * written with the change they record, write.ts), the idle sweep, error groups and alert
 * history. The SQL mirrors sqlite/monitoring.ts.
 */
import {
  LOST_DEMAND_CODES,
  type AlertEvent,
  type CartState,
  type ErrorGroup,
  type ErrorGroupSummary,
} from '@cart/core';
import { decodeCursor, encodeCursor } from '../cursor.ts';
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
  type AnalyticsTypeRow,
  type ErrorGroupRow,
  type LostDemandRow,
  type RefusedCodeRow,
  type TopProductRow,
} from '../monitoring-rows.ts';
import { toCartStateFromRow, type StoredCartState } from '../rows.ts';
import type { PostgresConnection } from './connection.ts';

/**
 * The idle condition of the abandonment sweep, on the `carts` row ($1 is the cut-off):
 * active, holding a line, last changed before the cut-off, and not counted as
 * abandoned since that change.
 */
const IDLE = `status = 'active' AND updated_at < $1
  AND (abandoned_at IS NULL OR abandoned_at < updated_at)
  AND jsonb_array_length(state -> 'lines') > 0`;

/** Every column of a group but its stack, for lists. */
const SUMMARY_COLUMNS =
  'fingerprint, source, error_class, message, route, top_frame, count, first_seen, last_seen, sample_request_id';

/** Whether an occurrence is at least as new as the group's latest: then it is the sample. */
const NEWER = 'excluded.last_seen >= error_groups.last_seen';

/** The occurrence's columns, in the order of $1…$9 of the insert of `recordError`. */
const occurrenceParams = (o: ErrorOccurrence) => [
  o.fingerprint,
  o.source,
  o.errorClass,
  o.message,
  o.route,
  o.topFrame,
  o.at,
  o.requestId,
  o.stack,
];

export class PostgresMonitoring implements MonitoringStore {
  constructor(private readonly conn: PostgresConnection) {}

  async findIdleCarts(idleBefore: string, limit: number): Promise<CartState[]> {
    const { rows } = await this.conn.pool.query<{ state: StoredCartState }>(
      `SELECT state FROM carts WHERE ${IDLE} ORDER BY updated_at LIMIT $2`,
      [idleBefore, limit],
    );
    return rows.map((r) => toCartStateFromRow(r.state));
  }

  markAbandoned(cartId: string, idleBefore: string, e: AnalyticsEvent): Promise<boolean> {
    return this.conn.transaction(async (c) => {
      // The row lock of the UPDATE orders this after any change to the cart in flight: a
      // change committed first moves updated_at past the cut-off and the cart is left alone.
      // The mark is never earlier than the change it follows, whatever the clocks did.
      const marked = await c.query(
        `UPDATE carts SET abandoned_at = GREATEST($3, updated_at) WHERE id = $2 AND ${IDLE}`,
        [idleBefore, cartId, e.at],
      );
      if (marked.rowCount !== 1) return false;
      const row = toAnalyticsEventRow(e);
      await c.query(
        'INSERT INTO analytics_events (at, type, cart_id, product_id, quantity, amount, currency) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [row.at, row.type, row.cart_id, row.product_id, row.quantity, row.amount, row.currency],
      );
      return true;
    });
  }

  async analyticsCounts(from: string, to: string, topLimit: number): Promise<AnalyticsCounts> {
    const types = await this.conn.pool.query<AnalyticsTypeRow>(
      `SELECT type, count(DISTINCT cart_id) AS carts, count(*) AS events, coalesce(sum(amount), 0)::bigint AS amount
       FROM analytics_events
       WHERE at >= $1 AND at < $2 AND type = ANY($3::text[])
       GROUP BY type`,
      [from, to, ANALYTICS_WINDOW_TYPES],
    );
    // Ties by product id in byte order ("C"), as SQLite sorts them.
    const top = await this.conn.pool.query<TopProductRow>(
      `SELECT product_id, sum(quantity)::bigint AS quantity_added, count(DISTINCT cart_id) AS carts
       FROM analytics_events
       WHERE at >= $1 AND at < $2 AND type IN ('line_added', 'quantity_changed')
         AND product_id IS NOT NULL AND quantity > 0
       GROUP BY product_id ORDER BY quantity_added DESC, product_id COLLATE "C" LIMIT $3`,
      [from, to, topLimit],
    );
    return toAnalyticsCounts(types.rows, top.rows);
  }

  /** One multi-row INSERT: one statement, one implicit transaction. */
  async recordRefusals(events: readonly RefusalEvent[]): Promise<void> {
    if (events.length === 0) return;
    const rows = events.map(toRefusalRow);
    const values = rows.map((_, i) => {
      const n = i * 6;
      return `($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6})`;
    });
    await this.conn.pool.query(
      `INSERT INTO refusals (at, stage, code, cart_id, product_id, quantity) VALUES ${values.join(', ')}`,
      rows.flatMap((r) => [r.at, r.stage, r.code, r.cart_id, r.product_id, r.quantity]),
    );
  }

  /** Three reads, as analyticsCounts: a refusal landing between them may count in one only. */
  async refusalCounts(from: string, to: string, lostDemandLimit: number): Promise<RefusalCounts> {
    const c = this.conn.pool;
    const byCode = await c.query<RefusedCodeRow>(
      `SELECT code, count(*) AS count FROM refusals
       WHERE at >= $1 AND at < $2 AND stage = 'checkout'
       GROUP BY code ORDER BY count DESC, code COLLATE "C"`,
      [from, to],
    );
    const carts = await c.query<{ n: number }>(
      `SELECT count(*) AS n FROM (
         SELECT cart_id FROM analytics_events
         WHERE at >= $1 AND at < $2 AND type = 'checkout_started'
         UNION
         SELECT cart_id FROM refusals WHERE at >= $1 AND at < $2 AND stage = 'checkout'
       ) AS asked`,
      [from, to],
    );
    // Ties by product id in byte order ("C"), as SQLite sorts them.
    const lost = await c.query<LostDemandRow>(
      `SELECT product_id, code, count(*) AS refusals, coalesce(sum(quantity), 0)::bigint AS units,
         count(DISTINCT cart_id) AS carts
       FROM refusals
       WHERE at >= $1 AND at < $2 AND product_id IS NOT NULL AND code = ANY($3::text[])
       GROUP BY product_id, code
       ORDER BY refusals DESC, units DESC, product_id, code COLLATE "C" LIMIT $4`,
      [from, to, Object.keys(LOST_DEMAND_CODES), lostDemandLimit],
    );
    return toRefusalCounts(byCode.rows, carts.rows[0]?.n ?? 0, lost.rows);
  }

  /**
   * Counted if the group exists (an UPDATE, so that an occurrence of a known group never
   * needs the count a new group does), else a new group if `limits` allow it. The insert
   * counts the source's groups in the same statement; two first occurrences at once may
   * both pass a cap that one more group would reach (the cap is a bound, not a quota to
   * the unit). Concurrent first occurrences of one fingerprint meet in the unique index,
   * and the loser updates the winner's row instead of failing.
   */
  async recordError(o: ErrorOccurrence, limits: ErrorGroupLimits): Promise<ErrorRecordOutcome> {
    const bumped = await this.conn.pool.query(
      `UPDATE error_groups SET
         count = count + 1,
         first_seen = LEAST(first_seen, $2),
         last_seen = GREATEST(last_seen, $2),
         message = CASE WHEN $2 >= last_seen THEN $3 ELSE message END,
         top_frame = CASE WHEN $2 >= last_seen THEN $4 ELSE top_frame END,
         sample_request_id = CASE WHEN $2 >= last_seen THEN $5 ELSE sample_request_id END,
         stack = CASE WHEN $2 >= last_seen THEN $6 ELSE stack END
       WHERE fingerprint = $1`,
      [o.fingerprint, o.at, o.message, o.topFrame, o.requestId, o.stack],
    );
    if (bumped.rowCount === 1) return 'counted';
    if (!limits.mayCreate) return 'refused';
    const inserted = await this.conn.pool.query<{ created: boolean }>(
      `INSERT INTO error_groups (fingerprint, source, error_class, message, route, top_frame, count, first_seen, last_seen, sample_request_id, stack)
       SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, 1, $7::text, $7::text, $8::text, $9::text
       WHERE (SELECT count(*) FROM error_groups WHERE source = $2::text) < $10::bigint
       ON CONFLICT (fingerprint) DO UPDATE SET
         count = error_groups.count + 1,
         first_seen = LEAST(error_groups.first_seen, excluded.first_seen),
         last_seen = GREATEST(error_groups.last_seen, excluded.last_seen),
         message = CASE WHEN ${NEWER} THEN excluded.message ELSE error_groups.message END,
         top_frame = CASE WHEN ${NEWER} THEN excluded.top_frame ELSE error_groups.top_frame END,
         sample_request_id = CASE WHEN ${NEWER} THEN excluded.sample_request_id ELSE error_groups.sample_request_id END,
         stack = CASE WHEN ${NEWER} THEN excluded.stack ELSE error_groups.stack END
       RETURNING (xmax = 0) AS created`,
      [...occurrenceParams(o), limits.maxGroups],
    );
    const row = inserted.rows[0];
    if (!row) return 'refused';
    return row.created ? 'created' : 'counted';
  }

  async purgeErrorGroups(before: string): Promise<number> {
    const { rowCount } = await this.conn.pool.query(
      'DELETE FROM error_groups WHERE last_seen < $1',
      [before],
    );
    return rowCount ?? 0;
  }

  async listErrorGroups(
    q: ErrorGroupQuery,
  ): Promise<{ items: ErrorGroupSummary[]; nextCursor: string | null }> {
    const after = q.cursor === null ? null : decodeCursor(q.cursor);
    const { rows } = await this.conn.pool.query<ErrorGroupRow>(
      `SELECT ${SUMMARY_COLUMNS}, '' AS stack FROM error_groups
       WHERE ($1::text IS NULL OR source = $1)
         AND ($2::text IS NULL OR (last_seen, fingerprint) < ($2, $3::text))
       ORDER BY last_seen DESC, fingerprint DESC LIMIT $4`,
      [q.source ?? null, after?.at ?? null, after?.id ?? null, q.limit + 1],
    );
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

  async getErrorGroup(fingerprint: string): Promise<ErrorGroup | null> {
    const { rows } = await this.conn.pool.query<ErrorGroupRow>(
      'SELECT * FROM error_groups WHERE fingerprint = $1',
      [fingerprint],
    );
    return rows[0] ? toErrorGroup(rows[0]) : null;
  }

  async recordAlertEvent(e: AlertEventInput): Promise<AlertEvent> {
    const { rows } = await this.conn.pool.query<AlertEventRow>(
      'INSERT INTO alert_events (rule, state, at, value, summary) VALUES ($1, $2, $3, $4, $5) RETURNING *',
      [e.rule, e.state, e.at, e.value, e.summary],
    );
    if (!rows[0]) throw new Error('the alert event was not stored');
    return toAlertEvent(rows[0]);
  }

  async listAlertEvents(limit: number): Promise<AlertEvent[]> {
    const { rows } = await this.conn.pool.query<AlertEventRow>(
      'SELECT * FROM alert_events ORDER BY id DESC LIMIT $1',
      [limit],
    );
    return rows.map(toAlertEvent);
  }
}
