import type { Line } from '@cart/core';
import { useCartSnapshot } from '@cart/react';
import { formatMoney } from '../money.ts';
import { codesOf } from './order-summary.tsx';
import './line-price.css';

/**
 * What a line costs. A discounted line shows the price paid as its one bold number,
 * after the original price struck through and followed by what the codes save ("Save
 * $2.80 (WELCOME10)"), as Dawn does: a "−$2.80" under the full price left the shopper
 * to work out which of the two is paid. A strike-through is not read out by screen
 * readers, so each number is named in words for them.
 */
export function LineTotal({ line }: { line: Pick<Line, 'subtotal' | 'discountTotal' | 'total'> }) {
  const codes = useDiscountCodes();
  if (line.discountTotal.amount <= 0) {
    return (
      <p className="line-total">
        <span className="line-paid" data-testid="line-paid">
          <span className="sr-only">Line total </span>
          {formatMoney(line.subtotal)}
        </span>
      </p>
    );
  }
  return (
    <p className="line-total">
      <s className="line-was" data-testid="line-was">
        <span className="sr-only">Original price </span>
        {formatMoney(line.subtotal)}
      </s>
      <span className="line-paid" data-testid="line-paid">
        <span className="sr-only">, you pay </span>
        {formatMoney(line.total)}
      </span>
      <span className="line-saving" data-testid="line-saving">
        <span className="sr-only">, </span>Save {formatMoney(line.discountTotal)}
        {codes.length > 0 ? ` (${codes.join(', ')})` : null}
      </span>
    </p>
  );
}

/** The codes taking something off the cart now: a line's share of the discount is theirs. */
function useDiscountCodes(): string[] {
  return codesOf(useCartSnapshot().cart?.discounts ?? []);
}
