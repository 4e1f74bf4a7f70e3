// Over 400 lines, and not split here: this file is the SDK's state machine (queue, tabs,
// connectivity, live updates) and issue 11 rebuilds it as a pure reducer with effects,
// which is the seam it will be split along; cutting it up before that would only move
// the same coupled state between files.
import {
  CartAction,
  DEFAULT_LIMITS,
  DEFAULT_MAX_BATCH,
  apply,
  type Cart,
  type CartError,
  type CartState,
  type CheckoutResult,
  type Product,
  type ProductPage,
} from '@cart/core';
import { CartApi } from './cart-api.ts';
import {
  reportFromApi,
  reportFromLocal,
  type ActionResult,
  type CartErrorReport,
  type CartSnapshot,
  type SyncStatus,
} from './cart-snapshot.ts';
import { Connectivity } from './connectivity.ts';
import { CartApiError, CartNetworkError } from './errors.ts';
import { browserOnlineSignal, type OnlineSignal } from './online-signal.ts';
import {
  applyContext,
  placeholderCart,
  showCart,
  stateOf,
  type ViewFacts,
} from './optimistic-view.ts';
import { resolveLineId, type PendingAction } from './outbox.ts';
import { randomId, runtimeWith, type Runtime } from './runtime.ts';
import { SnapshotBuilder, sameSnapshot } from './snapshot-builder.ts';
import { IndexedDbStorage } from './indexeddb-adapter.ts';
import { MemoryStorage, type StorageAdapter } from './storage.ts';
import type { CartActions, CartStoreOptions } from './store-options.ts';
import { SyncBook } from './sync-book.ts';
import { SyncEngine } from './sync-engine.ts';
import { browserTabs, soloTab, type TabCoordinator } from './tab-coordinator.ts';
import {
  followQueue,
  isTabMessage,
  type LeaderCommand,
  type SharedState,
  type TabMessage,
} from './tab-sync.ts';
import { TaxRateEstimate } from './tax-rate.ts';
import { Transport, isRetryableAnswer } from './transport.ts';

export type { CartActions, CartStoreOptions } from './store-options.ts';

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
  private readonly book: SyncBook;
  private readonly net: Connectivity;
  private readonly engine: SyncEngine;
  private readonly storage: StorageAdapter;
  private readonly onlineSignal: OnlineSignal;
  private readonly tabs: TabCoordinator;
  private readonly taxRate: TaxRateEstimate;
  private readonly newId: () => string;
  private readonly stand: CartState;
  private readonly products = new Map<string, Product>();
  private productsVersion = 0;

  private lastError: CartErrorReport | null = null;
  private lastOrder: CheckoutResult | null = null;
  private refusals = 0;

  private booting: Promise<void> | null = null;
  private ready = false;
  private leader = false;
  private leaderReady: Promise<void> = Promise.resolve();
  private leaderStatus: SyncStatus | null = null;
  private seenErrorAt = 0;
  private seq = 0;
  private disposed = false;
  private unsubscribeOnline: (() => void) | null = null;
  private broadcastQueued = false;

  private readonly snapshots = new SnapshotBuilder();
  private snapshot: CartSnapshot;
  private readonly listeners = new Set<() => void>();
  private readonly refusalListeners = new Set<(report: CartErrorReport) => void>();
  private readonly waiters = new Map<string, (result: ActionResult) => void>();
  private readonly results: (() => void)[] = [];

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
    const namespace = options.namespace ?? 'cart';
    this.storage =
      options.storage ??
      (IndexedDbStorage.available()
        ? new IndexedDbStorage(`cart-sdk:${namespace}`)
        : new MemoryStorage());
    this.onlineSignal = options.online ?? browserOnlineSignal();
    this.tabs =
      options.tabs ?? (inBrowser ? browserTabs({ name: `cart-sdk:${namespace}` }) : soloTab());
    this.taxRate = new TaxRateEstimate(options.taxRateBps);
    this.book = new SyncBook(options.maxBatch ?? DEFAULT_MAX_BATCH, (cart) =>
      this.taxRate.observe(cart),
    );
    this.net = new Connectivity(
      this.runtime,
      { baseDelayMs: 1000, maxDelayMs: 30_000, ...options.reconnect },
      () => this.engine.probe(),
    );
    this.engine = new SyncEngine(
      this.book,
      this.api,
      this.storage,
      this.net,
      this.runtime,
      this.newId,
      options.live !== false,
      {
        isLeader: () => this.leader,
        isReady: () => this.ready,
        isDisposed: () => this.disposed,
        online: () => this.onlineSignal.isOnline(),
        setLastError: (report) => {
          this.lastError = report;
        },
        emit: () => this.emit(),
        broadcast: () => this.broadcast(),
        announce: (report) => this.announce(report),
        resolveWaiter: (id, result) => this.resolveWaiter(id, result),
        persistError: (error) => this.options.onPersistError?.(error),
      },
    );
    this.stand = placeholderCart(
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
    if (this.book.outbox.length > 0) throw new CartNetworkError('network', 0);
    const cartId = this.book.cartId;
    if (cartId === null) throw new CartApiError({ code: 'CART_EMPTY', status: 422 });
    // Kept until answered: a repeat after a lost answer replays the same order.
    const key = (this.book.checkoutKey ??= this.newId());
    await this.engine.persistMeta();
    this.engine.inFlight++;
    this.emit();
    try {
      const { value } = await this.api.checkout(cartId, key);
      this.book.checkoutKey = null;
      this.net.ok();
      this.lastOrder = value;
      this.book.adopt(value.cart);
      await this.engine.persistMeta();
      if (this.leader) this.broadcast();
      else this.command({ kind: 'refresh' }); // the leading tab reads the closed cart
      return value;
    } catch (error) {
      if (error instanceof CartApiError && !isRetryableAnswer(error)) {
        // A new attempt is a new decision (the shopper confirming a re-priced total, say):
        // it gets a new key, where a retry of the same key would replay this refusal.
        this.book.checkoutKey = null;
        this.lastError = reportFromApi(error, null, this.runtime.now());
        // PRICES_CHANGED carries the cart the server re-priced: show the new prices and
        // total now, before the shopper decides, as VERSION_CONFLICT's cart is shown.
        if (error.cart && this.book.adopt(error.cart)) {
          await this.engine.persistMeta();
          if (this.leader) this.broadcast();
          else this.command({ kind: 'refresh' });
        }
      } else if (error instanceof CartNetworkError && this.leader) {
        this.net.down = true;
      }
      throw error;
    } finally {
      this.engine.inFlight--;
      this.emit();
    }
  }

  /** Makes a new, empty cart now (the old one is forgotten on this device). */
  async createCart(): Promise<Cart> {
    await this.start();
    if (!this.leader) {
      const before = this.book.cartId;
      this.command({ kind: 'create' });
      return this.waitFor(() => {
        const c = this.book.confirmed;
        return c && c.id !== before ? c : null;
      });
    }
    await this.forgetCart();
    if (!(await this.engine.ensureCart())) throw this.engine.lastFailure;
    return this.book.confirmed as Cart;
  }

  /** Forgets the cart (after checkout); the next change starts a new one. */
  async startNewCart(): Promise<void> {
    await this.start();
    if (this.leader) await this.forgetCart();
    else this.command({ kind: 'new' });
  }

  /** Switches to an existing cart (in bearer mode, with its token) and reads it. */
  async loadCart(cartId: string, token: string | null = null): Promise<Cart> {
    await this.start();
    if (!this.leader) {
      this.command({ kind: 'load', cartId, token });
      return this.waitFor(() => (this.book.confirmed?.id === cartId ? this.book.confirmed : null));
    }
    await this.forgetCart();
    this.book.cartId = cartId;
    this.api.token = token;
    await this.engine.refresh();
    const cart = this.book.confirmed;
    if (cart?.id !== cartId) throw this.engine.lastFailure;
    this.engine.openLive();
    return cart;
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
    if (!this.leader) return this.command({ kind: 'retry' });
    this.net.fatal = false;
    this.net.resetBackoff();
    this.engine.probe();
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
    this.engine.closeLive();
    this.net.resetBackoff();
    this.unsubscribeOnline?.();
    this.tabs.close();
    this.storage.close?.();
    this.listeners.clear();
  }

  // ---- booting and leadership -------------------------------------------------------

  private async boot(): Promise<void> {
    await this.restore();
    this.ready = true;
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

  private async restore(): Promise<void> {
    try {
      const token = this.book.restore(await this.storage.load());
      if (token !== undefined) this.api.token = token;
    } catch (error) {
      this.options.onPersistError?.(error);
    }
  }

  private onLeadership(isLeader: boolean): void {
    const takeOver = this.ready && !this.leader && isLeader;
    this.leader = isLeader;
    if (isLeader) this.leaderReady = this.lead(takeOver);
    else this.engine.closeLive();
    this.emit();
  }

  private async lead(takeOver: boolean): Promise<void> {
    // The tab that led until now kept the attempts and the queue in storage.
    if (takeOver) await this.restore();
    if (!this.leader || this.disposed) return;
    await this.engine.refresh();
    this.engine.openLive();
    this.engine.scheduleFlush(true);
    this.broadcast();
  }

  private onOnline(online: boolean): void {
    if (online && this.leader) {
      this.net.resetBackoff();
      this.engine.probe();
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
      const error = { code: 'VALIDATION_FAILED' as const, message: issue?.message ?? '', path };
      return Promise.resolve(this.refuseLocally(error, { actionId: '', action: input }));
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
    this.book.enqueue(item);
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
      this.engine.scheduleFlush();
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
    const facts = this.facts();
    const { state } = showCart(base, this.book.outbox, this.book.lineIds, facts);
    const resolved = resolveLineId(action, this.book.lineIds);
    const result = apply(state, resolved, applyContext(state, facts, actionId));
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

  // ---- sending ----------------------------------------------------------------

  /** Sends everything queued (the leader sends; another tab waits for it). */
  private async sendQueued(): Promise<void> {
    if (this.book.outbox.length === 0) return;
    if (this.leader) {
      this.engine.scheduleFlush(true);
      await this.engine.settled();
      return;
    }
    await this.waitFor(() => {
      const { pendingCount, status } = this.snapshot;
      return pendingCount === 0 || status === 'offline' || status === 'error' ? true : null;
    });
  }

  // ---- tabs -------------------------------------------------------------------------

  private command(command: LeaderCommand): void {
    this.tabs.post({ type: 'command', command } satisfies TabMessage);
  }

  private onTabMessage(message: TabMessage): void {
    switch (message.type) {
      case 'hello':
        this.broadcast();
        return;
      case 'enqueued':
        if (!this.book.enqueue(message.item)) return;
        if (this.leader) {
          this.broadcast();
          this.engine.scheduleFlush();
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
        return this.retry();
      case 'refresh':
        return this.engine.refresh();
      case 'new':
        return this.startNewCart();
      case 'create':
        await this.createCart().catch(() => undefined);
        return;
      case 'load':
        await this.loadCart(command.cartId, command.token).catch(() => undefined);
        return;
    }
  }

  /** Takes the leading tab's state, keeping this tab's actions it has not heard of yet. */
  private follow(s: SharedState): void {
    const book = this.book;
    if (s.cartId !== book.cartId) book.confirmed = null;
    book.cartId = s.cartId;
    this.api.token = s.token;
    if (s.confirmed) book.adopt(s.confirmed);
    book.lineIds = s.lineIds;
    for (const { actionId, error } of s.settled) {
      if (book.settled.has(actionId)) continue;
      book.settle(actionId, error);
      this.resolveWaiter(
        actionId,
        error === null
          ? { ok: true, actionId, cart: book.confirmed }
          : { ok: false, actionId, error },
      );
    }
    book.outbox = followQueue(s.outbox, book.outbox, (id) => book.settled.has(id));
    if (s.lastError && s.lastError.at > this.seenErrorAt) {
      this.seenErrorAt = s.lastError.at;
      if (s.lastError.source === 'server' && s.lastError.actionId !== null)
        this.announce(s.lastError);
      else this.lastError = s.lastError;
    }
    if (s.lastOrder) this.lastOrder = s.lastOrder;
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
      const book = this.book;
      const state: SharedState = {
        cartId: book.cartId,
        token: this.api.token,
        confirmed: book.confirmed,
        outbox: book.outbox,
        lineIds: book.lineIds,
        settled: [...book.settled].slice(-100).map(([actionId, error]) => ({ actionId, error })),
        lastError: this.lastError,
        lastOrder: this.lastOrder,
        status: this.status(),
      };
      this.tabs.post({ type: 'state', state } satisfies TabMessage);
    });
  }

  // ---- helpers ----------------------------------------------------------------------

  private async forgetCart(): Promise<void> {
    this.engine.closeLive();
    this.api.token = null;
    this.lastError = null;
    for (const item of this.book.forget()) {
      const report = this.engine.lineGone(item);
      this.book.settle(item.actionId, report);
      this.resolveWaiter(item.actionId, { ok: false, actionId: item.actionId, error: report });
    }
    try {
      await this.storage.clear();
    } catch (error) {
      this.options.onPersistError?.(error);
    }
    this.broadcast();
    this.emit();
  }

  /** Settles a caller's promise — on the next emit, so that it sees the new snapshot. */
  private resolveWaiter(actionId: string, result: ActionResult): void {
    const resolve = this.waiters.get(actionId);
    if (!resolve) return;
    this.waiters.delete(actionId);
    this.results.push(() => resolve(result));
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
      limits: this.options.limits ?? DEFAULT_LIMITS,
      taxRateBps: this.taxRate.value,
      now: new Date(this.runtime.now()).toISOString(),
    };
  }

  /** What the view is built on: the confirmed cart, an empty stand-in, or nothing yet. */
  private base(): CartState | null {
    return this.book.confirmed ? stateOf(this.book.confirmed) : this.standIn();
  }

  private standIn(): CartState | null {
    return !this.ready || (this.engine.loading && this.book.cartId !== null) ? null : this.stand;
  }

  private status(): SyncStatus {
    const { confirmed, cartId, outbox } = this.book;
    if (!this.ready || (this.engine.loading && confirmed === null && cartId !== null))
      return 'loading';
    if (this.net.fatal) return 'error';
    const leaderSays = this.leader ? null : this.leaderStatus;
    if (!this.onlineSignal.isOnline() || this.net.down || leaderSays === 'offline')
      return 'offline';
    if (this.net.trouble || leaderSays === 'error') return 'error';
    if (outbox.length > 0 || this.engine.inFlight > 0) return 'syncing';
    return 'idle';
  }

  private build(): CartSnapshot {
    return this.snapshots.build({
      book: this.book,
      stand: this.standIn(),
      facts: this.facts(),
      productsVersion: this.productsVersion,
      status: this.status(),
      leader: this.leader,
      lastError: this.lastError,
      lastOrder: this.lastOrder,
    });
  }

  /** Recomputes the snapshot, tells the listeners if anything changed, then settles callers. */
  private emit(): void {
    if (this.disposed) return;
    const next = this.build();
    if (!sameSnapshot(this.snapshot, next)) {
      this.snapshot = next;
      for (const listener of [...this.listeners]) listener();
    }
    for (const settle of this.results.splice(0)) settle();
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
