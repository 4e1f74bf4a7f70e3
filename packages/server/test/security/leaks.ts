/**
 * What no answer of this server may ever show (docs/security.md): a stack trace, a file
 * path, the database's name or its SQL. Shared by the attack and fuzz suites, which
 * check every answer they get against it.
 */
import { HttpClient, type Reply, type RequestOptions } from '@cart/test-support/http.ts';

/** Patterns that give away the server's insides, wherever they appear. */
const ANYWHERE: readonly [string, RegExp][] = [
  // A `"stack"` member with a value (the OpenAPI document names the admin-only field, and
  // its example of it is empty).
  ['a stack trace', /\n\s+at |\bat (?:async )?[\w$.<>]+ \(|"stack":"(?!")/],
  ['a file path', /\/work\/|node_modules|\.[cm]?[jt]s:\d+|packages\/(?:server|core)\//],
  ['the database engine', /sqlite/i],
];

/**
 * SQL the server itself runs or a database error message. Only checked in problem
 * documents (their `instance` and `cart` members aside, which echo the request path and
 * the cart): a successful answer legitimately echoes what a client stored, SQL included.
 */
const SQL_TEXT =
  /no such (?:table|column)|syntax error|constraint failed|SQL logic error|json_each|\bINSERT INTO\b|\bUPDATE \w+ SET\b|\bSELECT\b[\s\S]{0,80}\bFROM (?:carts|products|discounts|audit_log|idempotency_keys|orders|analytics_events|cart_applied_actions|schema_migrations)\b/i;

/** What, if anything, an answer gives away; an empty list when nothing. */
export function leaksIn(status: number, text: string): string[] {
  const found = ANYWHERE.filter(([, pattern]) => pattern.test(text)).map(([what]) => what);
  if (status >= 400) {
    let checked = text;
    try {
      const { instance: _i, cart: _c, ...rest } = JSON.parse(text) as Record<string, unknown>;
      checked = JSON.stringify(rest);
    } catch {
      // Not JSON: check the whole text.
    }
    if (SQL_TEXT.test(checked)) found.push('SQL text');
  }
  return found;
}

/** One request a recording client made, and what it got. */
export interface Exchange {
  method: string;
  path: string;
  reply: Reply;
}

/** An HttpClient that keeps every exchange, so a suite can check all its answers at the end. */
export class RecordingClient extends HttpClient {
  readonly exchanges: Exchange[] = [];

  override async request<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<Reply<T>> {
    const reply = await super.request<T>(method, path, options);
    this.exchanges.push({ method, path, reply });
    return reply;
  }
}
