import type {
  Address,
  CartLimits,
  CheckoutResult,
  CountryCode,
  CurrencyCode,
  Product,
} from '@cart/core';
import type { RetryPolicy } from './backoff.ts';
import type { AuthMode } from './cart-api.ts';
import type { ActionResult } from './cart-snapshot.ts';
import type { OnlineSignal } from './online-signal.ts';
import type { Runtime } from './runtime.ts';
import type { StorageAdapter } from './storage.ts';
import type { TabCoordinator } from './tab-coordinator.ts';
import type { FetchLike } from './transport.ts';

export interface CartStoreOptions {
  /** Origin of the shop (`https://shop.example`); leave out in a page the shop serves. */
  baseUrl?: string;
  /** `cookie` in browsers (the default there), `bearer` elsewhere (the default in Node). */
  auth?: AuthMode;
  fetch?: FetchLike;
  /** Per-attempt timeout of a request (default 10 s). */
  timeoutMs?: number;
  /** Retries of one request (see Transport). */
  retry?: Partial<RetryPolicy>;
  /** Backoff between rounds of sending while the shop is unreachable (default 1 s … 30 s). */
  reconnect?: Partial<Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>>;
  runtime?: Partial<Runtime>;
  /** Where the queue and cart survive reloads (default: IndexedDB where it exists, else memory). */
  storage?: StorageAdapter;
  /** Connectivity hint (default: navigator.onLine and its events, when present). */
  online?: OnlineSignal;
  /** Tab coordination (default: other tabs of this browser, when there is a window). */
  tabs?: TabCoordinator;
  /** Stores with the same namespace share one cart across tabs (default `cart`). */
  namespace?: string;
  /** Follow changes made elsewhere over Server-Sent Events (default true). */
  live?: boolean;
  /**
   * The tax rate (basis points) to show a cart with before the shop has sent one: every
   * cart carries its own tax rule, which is used from then on, and once the regions are
   * read (`loadRegions`) the default region's is. Default 0.
   */
  taxRateBps?: number;
  /**
   * Whether prices include the tax of `taxRateBps` (the total then states the tax it
   * contains), for a cart shown before the shop has sent one, as `taxRateBps`. Default
   * false: tax is added to the total.
   */
  taxInclusive?: boolean;
  /** The shop's cart limits, for refusing on the device (default: the server's defaults). */
  limits?: CartLimits;
  /**
   * Currency of the cart shown before the server has made one (default USD); once the
   * regions are read (`loadRegions`), the default region's.
   */
  currency?: CurrencyCode;
  /** Most actions in one batch (default 100, the server's default). */
  maxBatch?: number;
  /** Makes action ids and idempotency keys. */
  newId?: () => string;
  /** Told when storage fails (the queue then lives in memory only). */
  onPersistError?: (error: unknown) => void;
}

/** The actions a UI calls; stable functions, safe to pass around. */
export interface CartActions {
  addLine(
    product: Product | string,
    quantity?: number,
    attributes?: Record<string, string>,
  ): Promise<ActionResult>;
  setQuantity(lineId: string, quantity: number): Promise<ActionResult>;
  removeLine(lineId: string): Promise<ActionResult>;
  applyDiscount(code: string): Promise<ActionResult>;
  removeDiscount(code: string): Promise<ActionResult>;
  setNote(note: string): Promise<ActionResult>;
  setEmail(email: string | null): Promise<ActionResult>;
  setCountry(country: CountryCode): Promise<ActionResult>;
  setShippingAddress(address: Address | null): Promise<ActionResult>;
  setShippingOption(shippingOptionId: string | null): Promise<ActionResult>;
  clear(): Promise<ActionResult>;
  checkout(): Promise<CheckoutResult>;
  retry(): void;
  dismissError(): void;
}
