import type { CartErrorReport } from '@cart/client';

/**
 * Reports that are news rather than refusals: the shop did something for the shopper
 * and nothing is left to try. Today one: the cart expired and the SDK started a new one
 * (the change that met the expiry went into it).
 */
const NOTICE_CODES: ReadonlySet<CartErrorReport['code']> = new Set(['CART_EXPIRED']);

export function isCartNotice(report: Pick<CartErrorReport, 'code'>): boolean {
  return NOTICE_CODES.has(report.code);
}

/**
 * A notice in the status bar: calm colours, `role="status"`, the catalog's words alone
 * (the detail beside them is for developers: "This cart has expired and can no longer
 * change." would contradict the new cart), and "Dismiss". No "Try again": the store
 * already did what trying again would do. The page's status region says it too (app.tsx).
 */
export function CartNotice({
  report,
  onDismiss,
}: {
  report: Pick<CartErrorReport, 'message'>;
  onDismiss: () => void;
}) {
  return (
    <div className="status-bar status-notice" role="status" data-testid="cart-notice">
      <p>{report.message}</p>
      <button type="button" className="button button-small" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}
