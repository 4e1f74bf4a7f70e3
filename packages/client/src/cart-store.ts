import {
  CartAction,
  DEFAULT_LIMITS,
  DEFAULT_MAX_BATCH,
  apply,
  type Cart,
  type CartError,
  type CartLimits,
  type CartState,
  type CheckoutResult,
  type CurrencyCode,
  type Product,
  type ProductPage,
} from '@cart/core';
import { backoffDelay, type RetryPolicy } from './backoff.ts';
import { CartApi, type AuthMode } from './cart-api.ts';
import {
  reportFromApi,
  reportFromLocal,
  type ActionResult,
  type CartErrorReport,
  type CartSnapshot,
  type SyncStatus,
} from './cart-snapshot.ts';
import { CartApiError, CartNetworkError } from './errors.ts';
import { followCart } from './live-cart.ts';
import { browserOnlineSignal, type OnlineSignal } from './online-signal.ts';
import {
  applyContext,
  placeholderCart,
  showCart,
  stateOf,
  type ViewFacts,
} from './optimistic-view.ts';
import {
  composeBatch,
  insertPending,
  learnLineIds,
  lineRef,
  isTempLineId,
  pruneLineIds,
  refusedIndex,
  resolveLineId,
  tempLineId,
  type Attempt,
  type LineIdMap,
  type PendingAction,
} from './outbox.ts';
import { randomId, runtimeWith, type Runtime } from './runtime.ts';
import { MemoryStorage, type PersistedState, type StorageAdapter } from './storage.ts';
import { browserTabs, soloTab, type TabCoordinator } from './tab-coordinator.ts';
import {
  followQueue,
  isTabMessage,
  type LeaderCommand,
  type SharedState,
  type TabMessage,
} from './tab-sync.ts';
import { TaxRateEstimate } from './tax-rate.ts';
import { Transport, isRetryableAnswer, type FetchLike } from './transport.ts';

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
  /** Where the queue and cart survive reloads (default: memory; IndexedDbStorage in browsers). */
  storage?: StorageAdapter;
  /** Connectivity hint (default: navigator.onLine and its events, when present). */
  online?: OnlineSignal;
  /** Tab coordination (default: other tabs of this browser, when there is a window). */
  tabs?: TabCoordinator;
  /** Stores with the same namespace share one cart across tabs (default `cart`). */
  namespace?: string;
  /** Follow changes made elsewhere over Server-Sent Events (default true). */
  live?: boolean;
  /** The shop's TAX_RATE_BPS, for optimistic totals; learnt from the carts when left out. */
  taxRateBps?: number;
  /** The shop's cart limits, for refusing on the device (default: the server's defaults). */
  limits?: CartLimits;
  /** Currency of the cart shown before the server has made one (default USD). */
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
  clear(): Promise<ActionResult>;
  checkout(): Promise<CheckoutResult>;
  retry(): void;
  dismissError(): void;
}

const SETTLED_KEPT = 500;

/**
 * The cart sync engine. State: the last cart the server confirmed and an ordered queue
 * of actions not yet confirmed. The cart shown is the core reducer applied to the one
 * with the other — the very code the server runs, so optimistic totals are the server's
 * totals. Every server answer rebases the queue; a refused action is dropped, which
 * rolls the view back, and is reported. The queue is persisted, sent in order in
 * batches through `POST /actions` (each action with its own `actionId`), and survives
 * offline periods, reloads and closed tabs. See README.md, "Exactly once".
 */
export class CartStore implements CartActions {
  readonly api: CartApi;
  readonly runtime: Runtime;
  private readonly storage: StorageAdapter;
  private readonly onlineSignal: OnlineSignal;
  private readonly tabs: TabCoordinator;
  private readonly taxRate: TaxRateEstimate;
  private readonly newId: () => string;
  private readonly limits: CartLimits;
  private readonly reconnect: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>;
  private readonly placeholder: ReturnType<typeof placeholderCart>;

  // The cart.
  private cartId: string | null = null;
  private confirmed: Cart | null = null;
  private outbox: PendingAction[] = [];
  private lineIds: LineIdMap = {};
  private attempts: Attempt[] = [];
  private checkoutKey: string | null = null;
  /** Earlier attempts are being re-sent one by one to learn what they did (see refused). */
  private resolving = false;
  private maxBatch: number;
  /** Recently settled action ids: null when applied, else why they were dropped. */
  private readonly settled = new Map<string, CartErrorReport | null>();
  private lastError: CartErrorReport | null = null;
  private lastOrder: CheckoutResult | null = null;
  private readonly products = new Map<string, Product>();

  // Syncing.
  private booting: Promise<void> | null = null;
  private ready = false;
  private leader = false;
  private leaderReady: Promise<void> = Promise.resolve();
  private loading = false;
  private inFlight = 0;
  private flushing: Promise<void> | null = null;
  private flushAgain = false;
  private flushAgainForced = false;
  private networkDown = false;
  private trouble: CartErrorReport | null = null;
  private fatal = false;
  private lastFailure: unknown = null;
  private probeFailures = 0;
  private cancelProbe: (() => void) | null = null;
  private live: { close(): void } | null = null;
  private liveCartId: string | null = null;
  private buffered: Cart | null = null;
  private leaderStatus: SyncStatus | null = null;
  private seenErrorAt = 0;
  private creating: Promise<boolean> | null = null;
  private createKey: string | null = null;
  private seq = 0;
  private refusals = 0;
  private disposed = false;
  private unsubscribeOnline: (() => void) | null = null;
  private broadcastQueued = false;

  private snapshot: CartSnapshot;
  private productsVersion = 0;
  private viewMemo: {
    base: unknown;
    outbox: readonly PendingAction[] | null;
    lineIds: LineIdMap | null;
    taxRateBps: number;
    products: number;
    view: CartSnapshot['cart'];
    pending: readonly PendingAction[];
  } = {
    base: undefined,
    outbox: null,
    lineIds: null,
    taxRateBps: -1,
    products: -1,
    view: null,
    pending: Object.freeze([]),
  };
  private readonly listeners = new Set<() => void>();
  private readonly refusalListeners = new Set<(report: CartErrorReport) => void>();
  private readonly waiters = new Map<string, (result: ActionResult) => void>();
  private readonly settledResults: (() => void)[] = [];

  constructor(private readonly options: CartStoreOptions = {}) {
    const inBrowser = typeof window !== 'undefined' && typeof document !== 'undefined';
    this.runtime = runtimeWith(options.runtime);
    this.newId = options.newId ?? randomId;
    const transport = new Transport({
      ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
      runtime: this.runtime,
      newKey: this.newId,
    });
    this.api = new CartApi(transport, options.auth ?? (inBrowser ? 'cookie' : 'bearer'));
    this.storage = options.storage ?? new MemoryStorage();
    this.onlineSignal = options.online ?? browserOnlineSignal();
    this.tabs =
      options.tabs ??
      (inBrowser ? browserTabs({ name: `cart-sdk:${options.namespace ?? 'cart'}` }) : soloTab());
    this.taxRate = new TaxRateEstimate(options.taxRateBps);
    this.limits = options.limits ?? DEFAULT_LIMITS;
    this.maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    this.reconnect = { baseDelayMs: 1000, maxDelayMs: 30_000, ...options.reconnect };
    this.placeholder = placeholderCart(
      options.currency ?? 'USD',
      new Date(this.runtime.now()).toISOString(),
    );
    this.snapshot = this.build();
  }

  // ---- store API ---------------------------------------------------------------

  /** Registers a listener for any change; answers the function that removes it. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The current state; the same object until something changes. */
  readonly getSnapshot = (): CartSnapshot => this.snapshot;

  /** Registers a listener for refused actions (they are also `lastError`). */
  onRefusal(listener: (report: CartErrorReport) => void): () => void {
    this.refusalListeners.add(listener);
    return () => this.refusalListeners.delete(listener);
  }

  /**
   * Restores the queue and cart from storage, joins the other tabs, and (in the
   * leading tab) reads the cart from the server and sends what is queued. Resolves once
   * the cart is loaded or known to be unreachable for now. Safe to call more than once.
   */
  start(): Promise<void> {
    this.booting ??= this.boot();
    return this.booting;
  }

  /** The actions as stable functions (for UIs). */
  readonly actions: CartActions = {
    addLine: (product, quantity, attributes) => this.addLine(product, quantity, attributes),
    setQuantity: (lineId, quantity) => this.setQuantity(lineId, quantity),
    removeLine: (lineId) => this.removeLine(lineId),
    applyDiscount: (code) => this.applyDiscount(code),
    removeDiscount: (code) => this.removeDiscount(code),
    setNote: (note) => this.setNote(note),
    setEmail: (email) => this.setEmail(email),
    clear: () => this.clear(),
    checkout: () => this.checkout(),
    retry: () => this.retry(),
    dismissError: () => this.dismissError(),
  };

  /**
   * Adds a product. Pass the product itself (from /api/products) so the line can be
   * shown at once, priced; with only an id the add is sent but shown once confirmed.
   */
  addLine(
    product: Product | string,
    quantity = 1,
    attributes?: Record<string, string>,
  ): Promise<ActionResult> {
    if (typeof product !== 'string') this.rememberProducts([product]);
    const productId = typeof product === 'string' ? product : product.id;
    return this.enqueue({
      type: 'addLine',
      productId,
      quantity,
      ...(attributes ? { attributes } : {}),
    });
  }

  /** Sets a line's quantity; 0 removes it. */
  setQuantity(lineId: string, quantity: number): Promise<ActionResult> {
    return this.enqueue({ type: 'setLineQuantity', lineId, quantity });
  }

  removeLine(lineId: string): Promise<ActionResult> {
    return this.enqueue({ type: 'removeLine', lineId });
  }

  /** Applies a promo code. Not shown before the server confirms it: only it knows the terms. */
  applyDiscount(code: string): Promise<ActionResult> {
    return this.enqueue({ type: 'applyDiscount', code });
  }

  removeDiscount(code: string): Promise<ActionResult> {
    return this.enqueue({ type: 'removeDiscount', code });
  }

  setNote(note: string): Promise<ActionResult> {
    return this.enqueue({ type: 'setNote', note });
  }

  setEmail(email: string | null): Promise<ActionResult> {
    return this.enqueue({ type: 'setEmail', email });
  }

  clear(): Promise<ActionResult> {
    return this.enqueue({ type: 'clear' });
  }

  /**
   * Checks out: sends everything queued first, then `POST /checkout`, which is never
   * optimistic (stock is reserved by the server). Rejects with the CartApiError of a
   * refusal — of the checkout, or of a queued action refused on the way, so that the
   * customer sees the cart that would be bought — or a CartNetworkError when offline.
   */
  async checkout(): Promise<CheckoutResult> {
    await this.start();
    const refusalsBefore = this.refusals;
    await this.sendQueued();
    if (this.refusals !== refusalsBefore && this.lastError) throw errorOfReport(this.lastError);
    if (this.outbox.length > 0) throw new CartNetworkError('network', 0);
    const cartId = this.cartId;
    if (cartId === null) throw new CartApiError({ code: 'CART_EMPTY', status: 422 });
    // Kept until answered: a repeat after a lost answer replays the same order.
    this.checkoutKey ??= this.newId();
    await this.persistMeta();
    this.inFlight++;
    this.emit();
    try {
      const { value } = await this.api.checkout(cartId, this.checkoutKey);
      this.checkoutKey = null;
      this.networkOk();
      this.lastOrder = value;
      this.adopt(value.cart);
      await this.persistMeta();
      this.broadcast();
      return value;
    } catch (error) {
      if (error instanceof CartApiError && !isRetryableAnswer(error)) {
        this.checkoutKey = null;
        this.lastError = reportFromApi(error, null, this.runtime.now());
      } else if (error instanceof CartNetworkError && this.leader) {
        this.networkDown = true;
      }
      throw error;
    } finally {
      this.inFlight--;
      this.emit();
    }
  }

  /** Makes a new, empty cart now (the old one is forgotten on this device). */
  async createCart(): Promise<Cart> {
    await this.start();
    if (!this.leader) {
      const before = this.cartId;
      this.tabs.post({ type: 'command', command: { kind: 'create' } } satisfies TabMessage);
      return this.waitFor(() =>
        this.confirmed && this.confirmed.id !== before ? this.confirmed : null,
      );
    }
    await this.forgetCart();
    if (!(await this.ensureCart())) throw this.lastFailure;
    return this.confirmed as Cart;
  }

  /** Forgets the cart (after checkout); the next change starts a new one. */
  async startNewCart(): Promise<void> {
    await this.start();
    if (!this.leader) {
      this.tabs.post({ type: 'command', command: { kind: 'new' } } satisfies TabMessage);
      return;
    }
    await this.forgetCart();
  }

  /** Switches to an existing cart (in bearer mode, with its token) and reads it. */
  async loadCart(cartId: string, token: string | null = null): Promise<Cart> {
    await this.start();
    if (!this.leader) {
      this.tabs.post({
        type: 'command',
        command: { kind: 'load', cartId, token },
      } satisfies TabMessage);
      return this.waitFor(() => (this.confirmed?.id === cartId ? this.confirmed : null));
    }
    await this.forgetCart();
    this.cartId = cartId;
    this.api.token = token;
    await this.refresh();
    if (this.confirmed?.id !== cartId) throw this.lastFailure ?? new Error('cart not loaded');
    this.openLive();
    return this.confirmed;
  }

  /** Keeps product facts for optimistic adds. */
  rememberProducts(products: readonly Product[]): void {
    for (const p of products) this.products.set(p.id, p);
    this.productsVersion++;
    this.emit();
  }

  /** Reads a page of the catalog and keeps its facts for optimistic adds. */
  async loadProducts(query: { limit?: number; cursor?: string } = {}): Promise<ProductPage> {
    const page = await this.api.listProducts(query);
    this.rememberProducts(page.items);
    return page;
  }

  /** Tries again now: after an error, or to skip the wait of an offline backoff. */
  retry(): void {
    if (!this.leader) {
      this.tabs.post({ type: 'command', command: { kind: 'retry' } } satisfies TabMessage);
      return;
    }
    this.fatal = false;
    this.probeFailures = 0;
    this.cancelProbe?.();
    this.cancelProbe = null;
    if (this.outbox.length > 0) this.scheduleFlush(true);
    else void this.refresh();
    this.emit();
  }

  dismissError(): void {
    if (this.lastError === null) return;
    this.lastError = null;
    this.emit();
  }

  /** Stops timers, the live connection and tab coordination. */
  dispose(): void {
    this.disposed = true;
    this.closeLive();
    this.cancelProbe?.();
    this.unsubscribeOnline?.();
    this.tabs.close();
    this.storage.close?.();
    this.listeners.clear();
  }

  // ---- booting and leadership -------------------------------------------------------

  private async boot(): Promise<void> {
    this.loading = true;
    this.emit();
    try {
      this.restore(await this.storage.load(), true);
    } catch (error) {
      this.options.onPersistError?.(error);
    }
    this.ready = true;
    this.loading = false;
    this.unsubscribeOnline = this.onlineSignal.subscribe((online) => this.onOnline(online));
    this.tabs.start({
      leadership: (isLeader) => this.onLeadership(isLeader),
      message: (message) => {
        if (isTabMessage(message)) this.onTabMessage(message);
      },
    });
    if (!this.leader) this.tabs.post({ type: 'hello' } satisfies TabMessage);
    this.emit();
    await this.leaderReady;
  }

  /** Merges what storage holds (a reload, or what the previous leading tab left). */
  private restore(persisted: PersistedState, takeMeta: boolean): void {
    const meta = persisted.meta;
    if (meta && takeMeta && (this.cartId === null || this.cartId === meta.cartId)) {
      this.cartId = meta.cartId;
      this.api.token = meta.token;
      if (meta.confirmed) this.adopt(meta.confirmed);
      this.lineIds = { ...meta.lineIds, ...this.lineIds };
      this.attempts = meta.attempts;
      this.checkoutKey = meta.checkoutKey;
    }
    for (const item of persisted.outbox) {
      if (!this.settled.has(item.actionId))
        this.outbox = insertPending(this.outbox, item, this.sentCount());
    }
  }

  private onLeadership(isLeader: boolean): void {
    const wasFollower = this.ready && !this.leader;
    this.leader = isLeader;
    if (!isLeader) {
      this.closeLive();
      this.emit();
      return;
    }
    this.leaderReady = this.lead(wasFollower);
  }

  private async lead(takeOver: boolean): Promise<void> {
    if (takeOver) {
      // The tab that led until now kept its attempts and the queue in storage.
      try {
        this.restore(await this.storage.load(), true);
      } catch (error) {
        this.options.onPersistError?.(error);
      }
    }
    if (!this.leader || this.disposed) return;
    await this.refresh();
    this.openLive();
    this.scheduleFlush(true);
    this.broadcast();
    this.emit();
  }

  private onOnline(online: boolean): void {
    if (online && this.leader) {
      this.cancelProbe?.();
      this.cancelProbe = null;
      this.probeFailures = 0;
      if (this.outbox.length > 0) this.scheduleFlush(true);
      else void this.refresh();
    }
    this.emit();
  }

  // ---- queueing -------------------------------------------------------------------

  private enqueue(input: CartAction): Promise<ActionResult> {
    const now = this.runtime.now();
    const parsed = CartAction.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = `/${(issue?.path ?? []).map(String).join('/')}`;
      return Promise.resolve(
        this.refuseLocally(
          { code: 'VALIDATION_FAILED', message: issue?.message ?? 'is not valid', path },
          { actionId: '', action: input },
        ),
      );
    }
    const action = { ...parsed.data };
    delete action.actionId;
    const actionId = this.newId();
    const refusal = this.checkLocally(action, actionId);
    if (refusal) return Promise.resolve(this.refuseLocally(refusal, { actionId, action }));

    const product = action.type === 'addLine' ? this.products.get(action.productId) : undefined;
    const item: PendingAction = {
      actionId,
      action,
      seq: this.nextSeq(now),
      createdAt: now,
      ...(product ? { product } : {}),
    };
    this.outbox = insertPending(this.outbox, item, this.sentCount());
    const result = new Promise<ActionResult>((resolve) => this.waiters.set(actionId, resolve));
    this.emit();
    void this.queued(item);
    return result;
  }

  /** Stored first, then sent: what the server confirms is always in storage to delete. */
  private async queued(item: PendingAction): Promise<void> {
    try {
      await this.storage.putActions([item]);
    } catch (error) {
      this.options.onPersistError?.(error);
    }
    if (this.disposed) return;
    if (this.leader) {
      this.broadcast();
      this.scheduleFlush();
    } else {
      this.tabs.post({ type: 'enqueued', item } satisfies TabMessage);
    }
  }

  /**
   * Refuses on the device what the reducer refuses on the cart shown, when the device
   * knows the facts: a line that is not there, more than the stock or limit the product
   * showed, a closed cart. Not a code (only the server knows the terms) nor a product
   * the device has no facts for: those go to the server, which decides.
   */
  private checkLocally(action: CartAction, actionId: string): CartError | null {
    const base = this.base();
    if (!base) return null;
    const { state } = showCart(base, this.outbox, this.lineIds, this.facts());
    const result = apply(
      state,
      resolveLineId(action, this.lineIds),
      applyContext(state, this.facts(), actionId),
    );
    if (result.ok) return null;
    const code = result.error.code;
    if (action.type === 'applyDiscount' || code === 'DISCOUNT_INVALID') return null;
    if (code === 'PRODUCT_NOT_FOUND') return null;
    return result.error;
  }

  private refuseLocally(
    error: CartError,
    item: Pick<PendingAction, 'actionId' | 'action'>,
  ): ActionResult {
    const report = reportFromLocal(error, item, this.runtime.now());
    this.announce(report);
    this.emit();
    return { ok: false, actionId: item.actionId || null, error: report };
  }

  private announce(report: CartErrorReport): void {
    this.lastError = report;
    this.refusals++;
    for (const listener of [...this.refusalListeners]) listener(report);
  }

  // ---- sending --------------------------------------------------------------------

  private scheduleFlush(force = false): void {
    if (!this.leader || this.disposed || !this.ready) return;
    if (this.networkDown && !force) return; // the probe or the online event will call
    if (this.flushing) {
      // Asked while a round is ending (a probe firing as the last one failed): run again.
      this.flushAgain ||= true;
      this.flushAgainForced ||= force;
      return;
    }
    this.flushing = this.drain().finally(() => {
      this.flushing = null;
      this.emit();
      if (this.flushAgain) {
        const forced = this.flushAgainForced;
        this.flushAgain = false;
        this.flushAgainForced = false;
        this.scheduleFlush(forced);
      }
    });
  }

  /** Sends batches until the queue is empty or the shop cannot be reached. */
  private async drain(): Promise<void> {
    for (let round = 0; round < 10_000; round++) {
      if (!this.leader || this.disposed || !this.onlineSignal.isOnline()) return;
      if (this.outbox.length === 0) return;
      if (!(await this.ensureCart())) return;
      const more =
        this.resolving && this.attempts.length > 0
          ? await this.send(this.attempts[0] as Attempt)
          : await this.sendNext();
      if (!more) return;
    }
  }

  /** Sends everything queued (the leader sends; another tab waits for it). */
  private async sendQueued(): Promise<void> {
    if (this.outbox.length === 0) return;
    if (this.leader) {
      this.scheduleFlush(true);
      while (this.flushing) await this.flushing;
      return;
    }
    await this.waitFor(() =>
      this.outbox.length === 0 || this.snapshot.status === 'offline' || this.snapshot.status === 'error'
        ? true
        : null,
    );
  }

  private ensureCart(): Promise<boolean> {
    if (this.cartId !== null) return Promise.resolve(true);
    this.creating ??= this.create().finally(() => {
      this.creating = null;
    });
    return this.creating;
  }

  private async create(): Promise<boolean> {
    // One key per logical creation: a retry after a lost answer gets the same cart back.
    this.createKey ??= this.newId();
    this.inFlight++;
    this.emit();
    try {
      const { value: cart } = await this.api.createCart(this.createKey);
      this.createKey = null;
      this.networkOk();
      this.cartId = cart.id;
      this.confirmed = null;
      this.adopt(cart);
      await this.persistMeta();
      this.openLive();
      this.broadcast();
      return true;
    } catch (error) {
      this.failed(error);
      return false;
    } finally {
      this.inFlight--;
      this.emit();
    }
  }

  private async sendNext(): Promise<boolean> {
    const batch = composeBatch(this.outbox, this.lineIds, this.maxBatch);
    if (batch.orphans.length > 0) {
      for (const orphan of batch.orphans) this.drop(orphan, this.lineGone(orphan), false);
      return true;
    }
    if (batch.items.length === 0) return false;
    const last = this.attempts.at(-1);
    // The same batch again (nothing was queued since) is the same request: same key,
    // and the server answers from its record if the first copy was applied. Any other
    // batch is a new request with a new key; the actionIds keep it exactly-once.
    const same = last !== undefined && JSON.stringify(last.actions) === JSON.stringify(batch.actions);
    const attempt = same ? last : { key: this.newId(), actions: batch.actions };
    if (!same) this.attempts.push(attempt);
    await this.persistMeta(); // on disk before on the wire
    return this.send(attempt);
  }

  /** Sends one attempt; answers whether to go on sending. */
  private async send(attempt: Attempt): Promise<boolean> {
    const cartId = this.cartId as string;
    this.inFlight++;
    this.emit();
    try {
      const { value: cart } = await this.api.postActions(cartId, attempt.actions, attempt.key);
      if (cartId !== this.cartId) return true;
      this.networkOk();
      this.confirm(attempt, cart);
      return true;
    } catch (error) {
      if (cartId !== this.cartId) return true;
      if (error instanceof CartApiError && !isRetryableAnswer(error)) {
        this.networkOk(); // an answer, however unwelcome, proves the shop is reachable
        return await this.refused(error, attempt);
      }
      this.failed(error);
      return false;
    } finally {
      this.inFlight--;
      this.releaseBuffered();
      this.emit();
    }
  }

  /** A batch was applied: each of its actions now or by an earlier copy; all are done. */
  private confirm(attempt: Attempt, cart: Cart): void {
    const ids = new Set(attempt.actions.map((a) => a.actionId as string));
    const items = this.outbox.filter((i) => ids.has(i.actionId));
    this.lineIds = learnLineIds(this.lineIds, items, cart);
    this.outbox = this.outbox.filter((i) => !ids.has(i.actionId));
    for (const id of ids) this.settle(id, null);
    this.attempts = this.attempts.filter((a) =>
      a.actions.some((x) => !this.settled.has(x.actionId as string)),
    );
    if (this.attempts.length === 0) this.resolving = false;
    this.adopt(cart);
    void this.storage.deleteActions([...ids]).catch((e: unknown) => this.options.onPersistError?.(e));
    void this.persistMeta();
    for (const id of ids) this.resolveWaiter(id, { ok: true, actionId: id, cart: this.confirmed });
    this.broadcast();
  }

  /**
   * A batch was refused (a 4xx: nothing of it was applied). The error's path names the
   * refused action by its index among the actions the server did not skip. When an
   * earlier attempt's answer was lost, the server may have skipped some (that attempt
   * was applied after all), so the index cannot be trusted: the earlier attempts are
   * sent again first, oldest first, each exactly as before, until every one is settled;
   * then the refusal is attributed against known facts.
   */
  private async refused(error: CartApiError, attempt: Attempt): Promise<boolean> {
    this.attempts = this.attempts.filter((a) => a.key !== attempt.key);
    const now = this.runtime.now();
    switch (error.code) {
      case 'CART_NOT_FOUND':
        this.cartGone(error);
        return true;
      case 'CART_CLOSED':
        return this.cartClosed(error);
      case 'IDEMPOTENCY_KEY_REUSED':
        return true; // the next batch gets a new key
      default:
        break;
    }
    const tooBig =
      error.code === 'PAYLOAD_TOO_LARGE' ||
      (error.code === 'VALIDATION_FAILED' && error.errors.some((e) => e.path === '/actions'));
    if (tooBig && attempt.actions.length > 1) {
      this.maxBatch = Math.max(1, Math.floor(attempt.actions.length / 2));
      return true;
    }
    const index = refusedIndex(error) ?? (tooBig ? 0 : null);
    if (index === null) {
      this.failFatally(reportFromApi(error, null, now), error);
      return false;
    }
    if (this.attempts.length > 0) {
      this.resolving = true;
      return true;
    }
    const applied = (id: string | undefined) =>
      id !== undefined && this.settled.has(id) && this.settled.get(id) === null;
    const considered = attempt.actions.filter((a) => !applied(a.actionId));
    const target = considered[index];
    const item = this.outbox.find((i) => i.actionId === target?.actionId);
    if (!item) {
      this.failFatally(reportFromApi(error, null, now), error);
      return false;
    }
    // This attempt was not applied, so neither was any later one (each holds it all).
    this.attempts = [];
    this.resolving = false;
    this.drop(item, reportFromApi(error, item, now), true);
    return true;
  }

  /** Drops a queued action (and what depends on its line), rolling the view back. */
  private drop(item: PendingAction, report: CartErrorReport, announce: boolean): void {
    const dropped = [item];
    if (item.action.type === 'addLine') {
      const temp = tempLineId(item.actionId);
      this.lineIds = { ...this.lineIds, [temp]: null };
      dropped.push(...this.outbox.filter((i) => lineRef(i.action) === temp));
    }
    const ids = new Set(dropped.map((i) => i.actionId));
    this.outbox = this.outbox.filter((i) => !ids.has(i.actionId));
    void this.storage.deleteActions([...ids]).catch((e: unknown) => this.options.onPersistError?.(e));
    for (const d of dropped) {
      const r = d === item ? report : this.lineGone(d);
      this.settle(d.actionId, r);
      this.resolveWaiter(d.actionId, { ok: false, actionId: d.actionId, error: r });
    }
    if (announce) this.announce(report);
    this.broadcast();
  }

  private lineGone(item: PendingAction): CartErrorReport {
    return reportFromLocal(
      { code: 'LINE_NOT_FOUND', message: 'That item is no longer in your cart.' },
      item,
      this.runtime.now(),
    );
  }

  /**
   * The cart is gone (expired and purged, or the credential no longer opens it). As the
   * catalog promises, a new one is started: queued actions that do not name a line of
   * the old cart are carried over and sent to it.
   */
  private cartGone(error: CartApiError): void {
    this.lastFailure = error;
    this.lastError = reportFromApi(error, null, this.runtime.now());
    this.closeLive();
    this.cartId = null;
    this.api.token = null;
    this.confirmed = null;
    this.attempts = [];
    this.resolving = false;
    this.lineIds = {};
    for (const item of [...this.outbox]) {
      const ref = lineRef(item.action);
      if (ref !== undefined && !isTempLineId(ref)) this.drop(item, this.lineGone(item), false);
    }
    void this.persistMeta();
    this.broadcast();
    this.emit();
  }

  /** Checked out or merged elsewhere: queued changes can no longer apply; an expired one starts anew. */
  private async cartClosed(error: CartApiError): Promise<boolean> {
    let cart: Cart | null = error.cart ?? null;
    try {
      if (this.cartId) cart = await this.api.getCart(this.cartId);
    } catch {
      // The refusal says enough; the cart is shown as last confirmed.
    }
    if (cart === null || cart.status === 'expired') {
      this.cartGone(error);
      return true;
    }
    this.adopt(cart);
    const report = reportFromApi(error, null, this.runtime.now());
    this.attempts = [];
    this.resolving = false;
    for (const item of [...this.outbox]) this.drop(item, report, false);
    this.announce(report);
    void this.persistMeta();
    return false;
  }

  /** No answer (network) or a server that keeps failing: keep everything, try again later. */
  private failed(error: unknown): void {
    this.lastFailure = error;
    const now = this.runtime.now();
    if (error instanceof CartNetworkError) {
      this.networkDown = true;
    } else if (error instanceof CartApiError && !isRetryableAnswer(error)) {
      this.networkDown = false;
      this.failFatally(reportFromApi(error, null, now), error);
      return;
    } else {
      // The shop answers but keeps failing (5xx, 429), or sent what we cannot read.
      this.networkDown = false;
      const report =
        error instanceof CartApiError
          ? reportFromApi(error, null, now, true)
          : reportFromLocal(
              { code: 'INTERNAL', message: 'The shop sent an answer we could not read.' },
              null,
              now,
            );
      this.trouble = report;
      this.lastError = report;
    }
    this.scheduleProbe();
    this.emit();
  }

  /** A refusal that is not about one action (the credential, a CSRF failure): stop until retry(). */
  private failFatally(report: CartErrorReport, error: unknown): void {
    this.lastFailure = error;
    this.fatal = true;
    this.lastError = report;
    this.emit();
  }

  private networkOk(): void {
    this.networkDown = false;
    this.trouble = null;
    this.fatal = false;
    this.probeFailures = 0;
    this.cancelProbe?.();
    this.cancelProbe = null;
  }

  /** Tries again after a backoff (full jitter, 1 s … 30 s by default). */
  private scheduleProbe(): void {
    if (!this.leader || this.disposed) return;
    this.cancelProbe?.();
    const delay = Math.max(
      250,
      backoffDelay(
        this.probeFailures++,
        { ...this.reconnect, maxAttempts: 0, maxRetryAfterMs: 0 },
        this.runtime.random(),
      ),
    );
    this.cancelProbe = this.runtime.setTimer(() => {
      this.cancelProbe = null;
      if (this.outbox.length > 0) this.scheduleFlush(true);
      else void this.refresh();
    }, delay);
  }

  /** Reads the cart from the server. */
  private async refresh(): Promise<void> {
    const cartId = this.cartId;
    if (cartId === null || !this.leader || this.disposed) return;
    this.loading = true;
    this.emit();
    try {
      const cart = await this.api.getCart(cartId);
      if (cartId !== this.cartId) return;
      this.networkOk();
      this.adopt(cart);
      await this.persistMeta();
      this.broadcast();
    } catch (error) {
      if (cartId !== this.cartId) return;
      if (error instanceof CartApiError && error.status === 404) this.cartGone(error);
      else this.failed(error);
    } finally {
      this.loading = false;
      this.emit();
    }
  }

  // ---- confirmed cart and live events ------------------------------------------------

  /** Takes a cart from the server unless it is older than the one held. */
  private adopt(cart: Cart): void {
    if (this.cartId !== null && cart.id !== this.cartId) return;
    if (this.confirmed?.id === cart.id && cart.version < this.confirmed.version) return;
    this.confirmed = cart;
    this.taxRate.observe(cart);
    this.lineIds = pruneLineIds(this.lineIds, this.outbox, cart);
  }

  private openLive(): void {
    if (this.options.live === false || !this.leader || this.disposed) return;
    if (this.cartId === null || this.liveCartId === this.cartId) return;
    this.closeLive();
    const cartId = this.cartId;
    this.liveCartId = cartId;
    this.live = followCart({
      api: this.api,
      cartId,
      runtime: this.runtime,
      onCart: (cart) => this.onLiveCart(cart),
      onGone: () => void this.refresh(),
      onConnection: (up) => {
        // The stream reaching us is proof the shop is reachable again.
        if (up && this.networkDown) {
          this.networkDown = false;
          this.scheduleFlush(true);
          this.emit();
        }
      },
    });
  }

  private closeLive(): void {
    this.live?.close();
    this.live = null;
    this.liveCartId = null;
  }

  /**
   * A cart from the live stream. While a batch is on its way it is held back: it may
   * already contain that batch, which the queue still holds, and showing both would
   * count the batch twice. Once the answer is in, the newer of the two is taken.
   */
  private onLiveCart(cart: Cart): void {
    if (this.inFlight > 0) {
      if (!this.buffered || cart.version > this.buffered.version) this.buffered = cart;
      return;
    }
    const before = this.confirmed;
    this.adopt(cart);
    if (this.confirmed === before) return;
    void this.persistMeta();
    this.broadcast();
    this.emit();
  }

  private releaseBuffered(): void {
    if (this.inFlight > 0 || !this.buffered) return;
    const cart = this.buffered;
    this.buffered = null;
    this.adopt(cart);
    void this.persistMeta();
    this.broadcast();
  }

  // ---- tabs -------------------------------------------------------------------------

  private onTabMessage(message: TabMessage): void {
    switch (message.type) {
      case 'hello':
        this.broadcast();
        return;
      case 'enqueued':
        if (this.settled.has(message.item.actionId)) return;
        this.outbox = insertPending(this.outbox, message.item, this.sentCount());
        if (this.leader) {
          this.broadcast();
          this.scheduleFlush();
        }
        this.emit();
        return;
      case 'command':
        if (this.leader) void this.runCommand(message.command);
        return;
      case 'state':
        if (!this.leader) this.follow(message.state);
        return;
    }
  }

  private async runCommand(command: LeaderCommand): Promise<void> {
    switch (command.kind) {
      case 'retry':
        this.retry();
        return;
      case 'new':
        await this.startNewCart();
        return;
      case 'create':
        await this.createCart().catch(() => undefined);
        return;
      case 'load':
        await this.loadCart(command.cartId, command.token).catch(() => undefined);
        return;
    }
  }

  private follow(s: SharedState): void {
    if (s.cartId !== this.cartId) this.confirmed = null;
    this.cartId = s.cartId;
    this.api.token = s.token;
    if (s.confirmed) this.adopt(s.confirmed);
    else if (s.cartId === null) this.confirmed = null;
    this.lineIds = s.lineIds;
    for (const { actionId, error } of s.settled) {
      if (this.settled.has(actionId)) continue;
      this.settle(actionId, error);
      this.resolveWaiter(
        actionId,
        error === null
          ? { ok: true, actionId, cart: this.confirmed }
          : { ok: false, actionId, error },
      );
    }
    this.outbox = followQueue(s.outbox, this.outbox, (id) => this.settled.has(id));
    if (s.lastError && s.lastError.at > this.seenErrorAt) {
      this.seenErrorAt = s.lastError.at;
      if (s.lastError.source === 'server' && s.lastError.actionId !== null) this.announce(s.lastError);
      else this.lastError = s.lastError;
    }
    this.lastOrder = s.lastOrder;
    this.leaderStatus = s.status;
    this.emit();
  }

  /** Tells the other tabs the state (once per turn of the event loop). */
  private broadcast(): void {
    if (!this.leader || this.broadcastQueued) return;
    this.broadcastQueued = true;
    queueMicrotask(() => {
      this.broadcastQueued = false;
      if (!this.leader || this.disposed) return;
      const settled = [...this.settled].slice(-100).map(([actionId, error]) => ({
        actionId,
        error,
      }));
      const state: SharedState = {
        cartId: this.cartId,
        token: this.api.token,
        confirmed: this.confirmed,
        outbox: this.outbox,
        lineIds: this.lineIds,
        settled,
        lastError: this.lastError,
        lastOrder: this.lastOrder,
        status: this.status(),
      };
      this.tabs.post({ type: 'state', state } satisfies TabMessage);
    });
  }

  // ---- helpers ----------------------------------------------------------------------

  private async forgetCart(): Promise<void> {
    this.closeLive();
    for (const item of [...this.outbox]) {
      this.settle(item.actionId, this.lineGone(item));
      this.resolveWaiter(item.actionId, {
        ok: false,
        actionId: item.actionId,
        error: this.lineGone(item),
      });
    }
    this.cartId = null;
    this.api.token = null;
    this.confirmed = null;
    this.outbox = [];
    this.lineIds = {};
    this.attempts = [];
    this.resolving = false;
    this.checkoutKey = null;
    this.lastError = null;
    try {
      await this.storage.clear();
    } catch (error) {
      this.options.onPersistError?.(error);
    }
    this.broadcast();
    this.emit();
  }

  private async persistMeta(): Promise<void> {
    if (!this.leader) return;
    try {
      await this.storage.saveMeta({
        cartId: this.cartId,
        token: this.api.auth === 'bearer' ? this.api.token : null,
        confirmed: this.confirmed,
        lineIds: this.lineIds,
        attempts: this.attempts,
        checkoutKey: this.checkoutKey,
      });
    } catch (error) {
      this.options.onPersistError?.(error);
    }
  }

  private settle(actionId: string, error: CartErrorReport | null): void {
    this.settled.set(actionId, error);
    if (this.settled.size > SETTLED_KEPT) {
      const oldest = this.settled.keys().next().value;
      if (oldest !== undefined) this.settled.delete(oldest);
    }
  }

  /** Settles a caller's promise — on the next emit, so that it sees the new snapshot. */
  private resolveWaiter(actionId: string, result: ActionResult): void {
    const resolve = this.waiters.get(actionId);
    if (!resolve) return;
    this.waiters.delete(actionId);
    this.settledResults.push(() => resolve(result));
  }

  /** How many leading queued actions have been sent already (their order is fixed). */
  private sentCount(): number {
    const sent = new Set(this.attempts.flatMap((a) => a.actions.map((x) => x.actionId)));
    let n = 0;
    while (n < this.outbox.length && sent.has((this.outbox[n] as PendingAction).actionId)) n++;
    return n;
  }

  private nextSeq(now: number): string {
    const time = now.toString(36).padStart(9, '0');
    const count = (this.seq++ % 36 ** 4).toString(36).padStart(4, '0');
    return `${time}.${count}.${this.tabs.tabId}`;
  }

  private waitFor<T>(select: () => T | null): Promise<T> {
    return new Promise<T>((resolve) => {
      const check = () => {
        const value = select();
        if (value === null) return;
        unsubscribe();
        resolve(value);
      };
      const unsubscribe = this.subscribe(check);
      check();
    });
  }

  private facts(): ViewFacts {
    return {
      product: (id) => this.products.get(id),
      limits: this.limits,
      taxRateBps: this.taxRate.value,
      now: new Date(this.runtime.now()).toISOString(),
    };
  }

  /** What the view is built on: the confirmed cart, an empty stand-in, or nothing yet. */
  private base(): CartState | null {
    if (this.confirmed) return stateOf(this.confirmed);
    if (!this.ready || (this.loading && this.cartId !== null)) return null;
    return this.placeholder;
  }

  private status(): SyncStatus {
    if (!this.ready || (this.loading && this.confirmed === null && this.cartId !== null))
      return 'loading';
    if (this.fatal) return 'error';
    const online = this.onlineSignal.isOnline();
    if (!online || this.networkDown || (!this.leader && this.leaderStatus === 'offline'))
      return 'offline';
    if (this.trouble || (!this.leader && this.leaderStatus === 'error')) return 'error';
    if (this.outbox.length > 0 || this.inFlight > 0) return 'syncing';
    return 'idle';
  }

  private build(): CartSnapshot {
    const base = this.confirmed ?? this.base();
    const memo = this.viewMemo;
    const taxRateBps = this.taxRate.value;
    let view = memo.view;
    if (
      memo.base !== base ||
      memo.outbox !== this.outbox ||
      memo.lineIds !== this.lineIds ||
      memo.taxRateBps !== taxRateBps ||
      memo.products !== this.productsVersion
    ) {
      const state = base === null ? null : base === this.confirmed ? stateOf(this.confirmed) : base;
      view = state ? showCart(state as CartState, this.outbox, this.lineIds, this.facts()).cart : null;
      this.viewMemo = {
        base,
        outbox: this.outbox,
        lineIds: this.lineIds,
        taxRateBps,
        products: this.productsVersion,
        view,
        pending: Object.freeze([...this.outbox]),
      };
    }
    const status = this.status();
    return Object.freeze({
      status,
      cart: view,
      confirmed: this.confirmed,
      cartId: this.cartId,
      pending: this.viewMemo.pending,
      pendingCount: this.outbox.length,
      online: status !== 'offline',
      leader: this.leader,
      lastError: this.lastError,
      lastOrder: this.lastOrder,
    });
  }

  /** Recomputes the snapshot and tells the listeners, when anything in it changed. */
  private emit(): void {
    if (this.disposed) return;
    const next = this.build();
    const prev = this.snapshot as unknown as Record<string, unknown>;
    const changed = Object.entries(next).some(([k, v]) => prev[k] !== v);
    if (changed) {
      this.snapshot = next;
      for (const listener of [...this.listeners]) listener();
    }
    for (const settle of this.settledResults.splice(0)) settle();
  }
}

/** A refusal report as the error checkout rejects with. */
function errorOfReport(report: CartErrorReport): CartApiError {
  return new CartApiError({
    code: report.code,
    status: report.status,
    detail: report.detail,
    errors: report.errors,
    requestId: report.requestId,
  });
}

/** Makes a cart store; call `start()` to restore, load and begin syncing. */
export function createCartStore(options: CartStoreOptions = {}): CartStore {
  return new CartStore(options);
}
