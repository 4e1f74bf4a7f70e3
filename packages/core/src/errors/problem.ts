import * as z from 'zod/mini';
import '../schemas/zod-locale.ts';
import { AppliedDiscount } from '../schemas/cart.ts';
import { ActionId } from '../schemas/common.ts';
import { ERROR_CODES, type ErrorCode } from './catalog.ts';

export const ErrorCodeSchema = z.enum(ERROR_CODES as [ErrorCode, ...ErrorCode[]]);

/**
 * The bounds of a problem document: the server cuts longer texts (ending them with "…")
 * and lists at most `errors` field errors, so an answer never grows with what was sent.
 */
export const PROBLEM_LIMITS = { text: 512, detail: 2000, instance: 2048, errors: 100 } as const;

export const FieldError = z.strictObject({
  path: z
    .string()
    .check(
      z.maxLength(PROBLEM_LIMITS.text),
      z.describe(
        'Where the problem is, e.g. "/actions/0/quantity" (a JSON Pointer into the request)',
      ),
    ),
  message: z.string().check(z.maxLength(PROBLEM_LIMITS.text)),
});
export type FieldError = z.infer<typeof FieldError>;

/**
 * An RFC 9457 problem document, as every error answers (`application/problem+json`).
 * Extension members: `code` (stable), `requestId`, `errors` (validation), `actionId`
 * (the action a change was refused for), `cart` (the current cart, on
 * VERSION_CONFLICT; the re-priced one, on PRICES_CHANGED), and `discount` (the public
 * terms of a promo code the shopper typed and the server found, on DISCOUNT_INVALID
 * when it was refused only for now: below its minimum subtotal, or not combinable).
 */
export const Problem = z.looseObject({
  type: z.string().check(z.maxLength(PROBLEM_LIMITS.text)),
  title: z.string().check(z.maxLength(PROBLEM_LIMITS.text)),
  status: z.int().check(z.minimum(400), z.maximum(599)),
  detail: z.string().check(z.maxLength(PROBLEM_LIMITS.detail)),
  code: ErrorCodeSchema,
  instance: z.optional(z.string().check(z.maxLength(PROBLEM_LIMITS.instance))),
  requestId: z.optional(z.string().check(z.maxLength(128))),
  errors: z.optional(z.array(FieldError).check(z.maxLength(PROBLEM_LIMITS.errors))),
  actionId: z
    .optional(ActionId)
    .check(
      z.describe(
        'The `actionId` of the action the change was refused for, when one action was the cause and it carried an id',
      ),
    ),
  discount: z
    .optional(AppliedDiscount)
    .check(
      z.describe(
        'On DISCOUNT_INVALID for a code that exists but is refused for now (the cart is below its minimum subtotal, or it cannot be combined with the codes on the cart): its public terms, so a client can show how much more the cart needs or which code saves more',
      ),
    ),
});
export type Problem = z.infer<typeof Problem>;

/** An expected business failure, returned (never thrown) by the domain. */
export interface CartError {
  code: ErrorCode;
  /** Specific to this failure, for people: "Only 2 of Blue Mug are left." */
  message: string;
  /** Where in the request it points, if anywhere (JSON Pointer). */
  path?: string;
  /** The id of the action refused, when one action with an id was the cause. */
  actionId?: string;
  /**
   * A promo code refused for now (below its minimum subtotal, or not combinable): its
   * public terms, as it would be applied. Only ever for the code the request named.
   */
  discount?: AppliedDiscount;
}

export type Result<T, E = CartError> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const fail = (code: ErrorCode, message: string, path?: string): Result<never> => ({
  ok: false,
  error: path === undefined ? { code, message } : { code, message, path },
});
