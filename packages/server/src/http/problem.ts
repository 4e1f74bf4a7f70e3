import {
  ERROR_CATALOG,
  PROBLEM_LIMITS,
  errorType,
  type AppliedDiscount,
  type Cart,
  type ErrorCode,
  type FieldError,
} from '@cart/core';

/** Extra members of a problem document and headers that go with it. */
export interface ProblemExtras {
  errors?: FieldError[];
  /** The action a change was refused for (its client-made id). */
  actionId?: string;
  cart?: Cart;
  /** A promo code refused for now: its public terms (the problem's `discount`). */
  discount?: AppliedDiscount;
  headers?: Record<string, string>;
}

/**
 * An error that answers as RFC 9457 problem+json with a catalog code. Thrown by routes
 * and plugins; the error handler renders it. Expected business refusals inside a
 * mutation are not thrown but returned as domain outcomes (`Refusal`,
 * domain/mutation-runner.ts) and rendered by http/reply.ts, so that their answers can be
 * stored for idempotent replay.
 */
export class HttpProblem extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string = ERROR_CATALOG[code].message,
    readonly extras: ProblemExtras = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }

  get status(): number {
    return ERROR_CATALOG[this.code].status;
  }
}

/** The problem document for a code. */
export function problemBody(
  code: ErrorCode,
  detail: string,
  requestId: string,
  instance: string,
  extras: Omit<ProblemExtras, 'headers'> = {},
): Record<string, unknown> {
  const entry = ERROR_CATALOG[code];
  return {
    type: errorType(code),
    title: entry.title,
    status: entry.status,
    detail: cut(detail, PROBLEM_LIMITS.detail),
    code,
    instance: cut(instance, PROBLEM_LIMITS.instance),
    requestId,
    ...(extras.errors
      ? {
          errors: extras.errors.slice(0, PROBLEM_LIMITS.errors).map((e) => ({
            path: cut(e.path, PROBLEM_LIMITS.text),
            message: cut(e.message, PROBLEM_LIMITS.text),
          })),
        }
      : {}),
    ...(extras.actionId !== undefined ? { actionId: extras.actionId } : {}),
    ...(extras.cart ? { cart: extras.cart } : {}),
    ...(extras.discount ? { discount: extras.discount } : {}),
  };
}

/** Text cut to `max` characters, ending with "…" when it was longer. */
const cut = (text: string, max: number) =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

/** The path of a request URL, without its query string. */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';
