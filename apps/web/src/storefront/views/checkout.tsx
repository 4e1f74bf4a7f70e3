import { useState, type FormEvent } from 'react';
import { CartApiError, CartNetworkError, type ShownCart } from '@cart/client';
import { useCartActions, useCartSnapshot, useCartStore } from '@cart/react';
import { Link } from '../../shared/link.tsx';
import { navigate } from '../../shared/router.ts';
import { EMAIL_FIELD_ID, EmailField, NoteField, emailProblem } from '../components/cart-fields.tsx';
import { ErrorSummary, type FieldToFix } from '../components/error-summary.tsx';
import { OrderSummary, OrderedLines } from '../components/order-summary.tsx';
import { Problem } from '../components/problem.tsx';
import { ShippingAddress, useAddressForm } from '../components/shipping-address.tsx';
import { ShippingMethod } from '../components/shipping-method.tsx';
import { TrustNotes } from '../components/trust-notes.tsx';
import { rememberOrder } from '../orders.ts';
import { pathOf } from '../routes.ts';
import { useServices } from '../services.tsx';
import { focusFirstFix, readStockOfNamedLines, shortNote, useShortLines } from '../stock.ts';
import { LineStockFix, ShortLinesNote } from '../components/stock-fix.tsx';

interface CheckoutProblem {
  message: string;
  detail: string;
  errors: readonly { path: string; message: string }[];
  retryable: boolean;
}

/** Words for a failed checkout: the catalog's for a refusal, plain ones for no answer. */
function problemOf(error: unknown): CheckoutProblem {
  if (error instanceof CartApiError) {
    return {
      message: error.message,
      detail: error.detail,
      errors: error.errors,
      retryable: error.retryable,
    };
  }
  if (error instanceof CartNetworkError) {
    // Whose trouble it is: "check your connection" helps only when the device is offline.
    return {
      message: 'We could not reach the shop, so your order is not placed yet.',
      detail: navigator.onLine
        ? 'Your cart is kept. The shop is not answering right now; try again in a moment.'
        : 'Your cart is kept. Check your connection and try again.',
      errors: [],
      retryable: true,
    };
  }
  return {
    message: 'Something went wrong, so your order is not placed yet.',
    detail: 'Please try again.',
    errors: [],
    retryable: true,
  };
}

/**
 * Checkout: the email for the receipt, where to ship and how, the order as it will be
 * placed, and "Place order". Checking out is never optimistic: the SDK first sends every
 * queued change, then the server reserves the stock and closes the cart, answering with
 * the order.
 */
export function CheckoutView() {
  const snapshot = useCartSnapshot();
  const cart = snapshot.cart;
  return (
    <section className="checkout-page" aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        Checkout
      </h1>
      {cart === null ? (
        <p className="muted">Loading your cart…</p>
      ) : cart.lines.length === 0 ? (
        <div className="empty">
          <p>Your cart is empty, so there is nothing to check out.</p>
          <p>
            <Link to={pathOf({ view: 'home' })} className="button">
              Browse products
            </Link>
          </p>
        </div>
      ) : (
        <CheckoutForm cart={cart} />
      )}
    </section>
  );
}

/** Where focus goes when no method is chosen: the first one (their heading while they load). */
const firstShippingChoice = () =>
  document.querySelector<HTMLInputElement>('input[name="shippingOption"]') ??
  document.getElementById('shipping-heading');

/** The email as typed (the field saves it only when the shopper leaves it). */
function typedEmail(): string {
  const field = document.getElementById(EMAIL_FIELD_ID);
  return field instanceof HTMLInputElement ? field.value.trim() : '';
}

function CheckoutForm({ cart }: { cart: ShownCart }) {
  const store = useCartStore();
  const actions = useCartActions();
  const { announcer } = useServices();
  const [placing, setPlacing] = useState(false);
  const [problem, setProblem] = useState<CheckoutProblem | null>(null);
  // The fields "Place order" found wrong (listed by the button), and the email's words.
  const [toFix, setToFix] = useState<readonly FieldToFix[]>([]);
  const [emailError, setEmailError] = useState<string | null>(null);
  const address = useAddressForm(cart);
  // Asked once the order was placed without a method, until one is chosen.
  const [askedForMethod, setAskedForMethod] = useState(false);
  const ships = cart.lines.some((line) => line.requiresShipping);
  // "Place order" waits until every line can be bought as it is; the lines say how.
  const short = useShortLines();

  /**
   * What must be fixed before the order can be placed, checked on the device: each
   * message under its field (marked invalid), all of them listed by the button as links
   * to the fields, and focus on the first.
   */
  const missing = (): boolean => {
    const fields: FieldToFix[] = [];
    const email = emailProblem(typedEmail(), true);
    setEmailError(email);
    if (email) fields.push({ id: EMAIL_FIELD_ID, message: email });
    if (ships) {
      const checked = address.validate();
      if (checked.address) address.save(checked.address);
      else fields.push({ id: checked.firstInvalid, message: 'Check your shipping address.' });
      // After the address: one in another region drops the method chosen in the old one.
      if (!store.getSnapshot().cart?.shippingOptionId) {
        setAskedForMethod(true);
        const first = firstShippingChoice()?.id || 'shipping-heading';
        fields.push({ id: first, message: 'Choose a shipping method.' });
      }
    }
    setToFix(fields);
    if (fields.length === 0) return false;
    setProblem(null);
    document.getElementById(fields[0]!.id)?.focus();
    return true;
  };

  const place = async () => {
    if (placing) return;
    if (focusFirstFix(short)) return;
    if (missing()) return;
    const email = typedEmail();
    setProblem(null);
    setPlacing(true);
    announcer.say('Placing your order…');
    try {
      if (email !== (store.getSnapshot().cart?.email ?? '')) void actions.setEmail(email);
      const order = await actions.checkout();
      rememberOrder(order);
      announcer.say('Your order is placed.');
      navigate(pathOf({ view: 'order', orderId: order.orderId }), { replace: true });
      // The checked-out cart is closed: the next add starts a new one.
      void store.startNewCart();
    } catch (error) {
      const p = problemOf(error);
      const stock = error instanceof CartApiError && error.code === 'OUT_OF_STOCK';
      // Its errors name lines, which are marked in the list instead.
      setProblem(stock ? { ...p, errors: [] } : p);
      announcer.alert(`${p.message} ${p.detail}`);
      setPlacing(false);
      // The shop's OUT_OF_STOCK names the lines: read their stock, mark them, go to the first.
      if (stock) {
        const shown = store.getSnapshot().cart?.lines ?? [];
        void readStockOfNamedLines(store, shown, error.errors).then(() =>
          requestAnimationFrame(() => focusFirstFix(shown)),
        );
      }
      // The shop's SHIPPING_REQUIRED names what it lacks: show it there.
      if (error instanceof CartApiError && error.code === 'SHIPPING_REQUIRED') {
        if (error.errors[0]?.path === '/shippingOptionId') {
          setAskedForMethod(true);
          firstShippingChoice()?.focus();
        } else {
          const checked = address.validate();
          document.getElementById(checked.firstInvalid ?? 'address-name')?.focus();
        }
      }
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void place();
  };

  return (
    <form className="checkout-layout" onSubmit={submit} noValidate>
      <div className="checkout-main">
        <section className="panel" aria-labelledby="contact-heading">
          <h2 id="contact-heading" className="section-title">
            Contact
          </h2>
          <EmailField cart={cart} required error={emailError} onError={setEmailError} />
          <NoteField cart={cart} />
        </section>
        {ships ? (
          <>
            <ShippingAddress cart={cart} form={address} />
            <ShippingMethod
              cart={cart}
              error={askedForMethod && !cart.shippingOptionId ? 'Choose a shipping method.' : null}
            />
          </>
        ) : null}
        <section className="panel" aria-labelledby="review-heading">
          <h2 id="review-heading" className="section-title">
            Your order
          </h2>
          <OrderedLines lines={cart.lines} mark={(line) => <LineStockFix line={line} />} />
          <p className="small">
            <Link to={pathOf({ view: 'cart' })}>Change your cart</Link>
          </p>
        </section>
      </div>
      <div className="checkout-side">
        <OrderSummary variant="panel" cart={cart} title="Total" headingId="pay-heading">
          {toFix.length > 0 ? <ErrorSummary id="checkout-problem" fields={toFix} /> : null}
          {problem ? (
            <Problem
              id="checkout-problem"
              report={problem}
              onRetry={problem.retryable ? () => void place() : undefined}
            />
          ) : null}
          {short.length > 0 ? (
            <ShortLinesNote id="checkout-stock-gate" note={shortNote(short)} />
          ) : null}
          <button
            type="submit"
            className="button button-primary button-block"
            aria-disabled={placing || short.length > 0}
            aria-describedby={
              [
                problem || toFix.length > 0 ? 'checkout-problem' : '',
                short.length > 0 ? 'checkout-stock-gate' : '',
              ]
                .join(' ')
                .trim() || undefined
            }
          >
            {placing ? 'Placing order…' : 'Place order'}
          </button>
          <TrustNotes cart={cart} />
        </OrderSummary>
      </div>
    </form>
  );
}
