import type { ShownLine } from '@cart/client';
import { Link } from '../../shared/link.tsx';
import { formatMoney } from '../money.ts';
import { pathOf } from '../routes.ts';
import { useRefusal } from '../refusals.ts';
import { useServices } from '../services.tsx';
import { useLineRoom } from '../stock.ts';
import { useCartChanges } from '../use-cart-changes.ts';
import { LineTotal } from './line-price.tsx';
import { LineStatus } from './line-status.tsx';
import { Problem } from './problem.tsx';
import { ProductArt } from './product-art.tsx';
import { QuantityStepper } from './quantity-stepper.tsx';
import { StockFix } from './stock-fix.tsx';

/**
 * One line of the cart (drawer and cart page): the product, its unit price, a
 * quantity stepper, the line total and "Remove". A line with a change still on its way
 * says so (line-status.tsx: "Saving…", "Waiting for the network", or "Not saved yet"
 * with when it is tried again); a refused change is explained under the line, whose
 * quantity has already rolled back.
 */
export function CartLine({
  line,
  compact = false,
  onNavigate,
}: {
  line: ShownLine;
  /** Unused: the line's status reads the connection itself (line-status.tsx). */
  offline?: boolean;
  compact?: boolean;
  onNavigate?: () => void;
}) {
  const { refusals } = useServices();
  const changes = useCartChanges();
  const refusal = useRefusal(refusals, `line:${line.id}`, `line:${line.key}`);
  const problemId = `line-problem-${line.key}`;
  const describedBy = refusal ? problemId : undefined;
  const room = useLineRoom(line);
  const attributes = Object.entries(line.attributes);

  return (
    <li className={`line${compact ? ' line-compact' : ''}`} aria-busy={line.pending}>
      <ProductArt productId={line.productId} name={line.name} size="thumb" />
      <div className="line-main">
        <p className="line-name">
          <Link to={pathOf({ view: 'product', productId: line.productId })} onNavigate={onNavigate}>
            {line.name}
          </Link>
        </p>
        <p className="line-meta">
          <span>{formatMoney(line.unitPrice)} each</span>
          {attributes.length > 0 ? (
            <span>{attributes.map(([k, v]) => `${k}: ${v}`).join(', ')}</span>
          ) : null}
        </p>
        <div className="line-controls">
          <QuantityStepper line={line} room={room} describedBy={describedBy} />
          <button
            type="button"
            className="button-link line-remove"
            aria-label={`Remove ${line.name}`}
            onClick={(event) => changes.remove(line, event.currentTarget.closest('li'))}
          >
            Remove
          </button>
        </div>
        <StockFix line={line} room={room} />
        <p className="line-status" data-testid="line-status">
          <LineStatus pending={line.pending} name={line.name} />
        </p>
        {refusal ? (
          <Problem
            id={problemId}
            report={refusal}
            onDismiss={() => refusals.clear(`line:${line.id}`, `line:${line.key}`)}
          />
        ) : null}
      </div>
      <LineTotal line={line} />
    </li>
  );
}
