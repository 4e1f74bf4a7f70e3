import type * as z from 'zod/mini';

/**
 * Reads a server's answer with core's strict schemas, tolerating what a newer server may
 * add. The server only ever adds to an answer within a major version (docs/versioning.md):
 * a new field on a cart or a line, a new member on a problem. An SDK already in a shop's
 * pages must keep working against that server, so a field this SDK does not know is dropped
 * and the rest is read as usual. Anything else wrong (a missing field, a wrong type, a
 * negative price) is still refused: that is a broken answer, not a newer one.
 */

/** What the SDK needs of a zod schema. */
export interface Schema<T> {
  safeParse(value: unknown): z.core.util.SafeParseResult<T>;
}

/**
 * Nesting bound for the retry: each pass drops the unknown keys zod reported; an object
 * inside an unknown key is dropped with it, so one pass is the usual case.
 */
const MAX_PASSES = 4;

export function readTolerant<T>(schema: Schema<T>, value: unknown): z.core.util.SafeParseResult<T> {
  let parsed = schema.safeParse(value);
  let copy: unknown = null;
  for (let pass = 0; pass < MAX_PASSES && !parsed.success; pass++) {
    const issues = parsed.error.issues;
    if (!issues.every((issue) => issue.code === 'unrecognized_keys')) return parsed;
    copy ??= structuredClone(value);
    for (const issue of issues) {
      const target = valueAt(copy, issue.path);
      if (target === null) return parsed;
      for (const key of issue.keys) delete target[key];
    }
    parsed = schema.safeParse(copy);
  }
  return parsed;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): Record<PropertyKey, unknown> | null {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return null;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>) : null;
}
