import * as z from 'zod/mini';
import { CartAction } from './action.ts';
import { Cart } from './cart.ts';
import { Problem } from '../errors/problem.ts';
import { Money } from '../money/money.ts';
import { Product } from './product.ts';

/**
 * Builds a type guard from a schema, so a guard can never disagree with its type. Any zod
 * schema will do, `zod/mini` (as core's are) or classic.
 */
export function guardOf<S extends z.core.$ZodType>(
  schema: S,
): (value: unknown) => value is z.output<S> {
  return (value: unknown): value is z.output<S> => z.safeParse(schema, value).success;
}

export const isMoney = guardOf(Money);
export const isProduct = guardOf(Product);
export const isCart = guardOf(Cart);
export const isCartAction = guardOf(CartAction);
export const isProblem = guardOf(Problem);
