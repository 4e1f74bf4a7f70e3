// Over 400 lines, and not split further: about half is the store's public API (some
// twenty documented methods); the rest is the one place that runs the machine's effects
// and shares its state with other tabs. Each part with a job of its own lives beside it:
// the machine (sync-machine.ts, sync-stepper.ts, sync-state.ts), saving (step-saver.ts),
// the callers' promises (callers.ts), calls to the leading tab (leader-calls.ts), live
// events (live-cart.ts), the view (optimistic-view.ts), tab messages (tab-sync.ts),
// requests (requests.ts).
import {
  CartAction,
  DEFAULT_LIMITS,
  DEFAULT_MAX_BATCH,
  apply,
  type Address,
  type Cart,
  type CartError,
  type CartShippingOptions,
  type CartState,
  type CheckoutResult,
  type CountryCode,
  type ErrorCode,
  type Product,
  type ProductPage,
  type Region,
  type RegionList,
  type ShippingOption,
  type StockLevel,
  type TaxRule,
} from '@cart/core';
import { CartApi } from './cart-api.ts';
import {
  reportFromError,
  reportFromLocal,
  type ActionResult,
  type CartErrorReport,
  type CartSnapshot,
  type SyncStatus,
} from './cart-snapshot.ts';
import { CartApiError, CartNetworkError } from './errors.ts';
import { IndexedDbStorage } from './indexeddb-adapter.ts';
import { LiveLink, followCart } from './live-cart.ts';
import { browserOnlineSignal, type OnlineSignal } from './online-signal.ts';
import { applyContext, showCart, viewBase, type ViewFacts } from './optimistic-view.ts';
import { resolveLineId, type PendingAction } from './outbox.ts';
import { outcomeOf, perform } from './requests.ts';
import { randomId, runtimeWith, type Runtime } from './runtime.ts';
import { Callers } from './callers.ts';
import { LeaderCalls } from './leader-calls.ts';
import { Scheduler } from './scheduler.ts';
import { StepSaver } from './step-saver.ts';
import { SnapshotBuilder, sameSnapshot } from './snapshot-builder.ts';
import { MemoryStorage, type StorageAdapter } from './storage.ts';
import type { CartActions, CartStoreOptions } from './store-options.ts';
import { step } from './sync-machine.ts';
import {
  activeCartId,
  confirmedCart,
  initialState,
  nextOrderTime,
  phaseOf,
  type SyncEffect,
  type SyncEvent,
  type SyncState,
} from './sync-state.ts';
import { browserTabs, soloTab, type TabCoordinator } from './tab-coordinator.ts';
import {
  TAB_PROTOCOL,
  readTabMessage,
  type LeaderCall,
  type SharedState,
  type TabMessage,
} from './tab-sync.ts';

export type { CartActions, CartStoreOptions } from './store-options.ts';

/**
 * Refusals the device never makes on its own: they need facts only the server holds
 * for sure (a code's terms, a product the device has not read, the shipping options and
 * a product's prices in the region a queued move, not shown yet, takes the cart to), or
 * a cart status that only starts a new cart.
 */
const SERVER_DECIDES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'DISCOUNT_INVALID',
  'PRODUCT_NOT_FOUND',
  'CART_CLOSED',
  'PRODUCT_NOT_AVAILABLE',
  'SHIPPING_OPTION_UNAVAILABLE',
]);

/**
 * The cart store: a facade over the sync state machine (sync-machine.ts). It turns the
 * shopper's calls into machine events, runs the machine's effects (requests, the wake-up
 * timer, settling callers), saves every step in one storage transaction before acting on
 * it, follows the cart's live events, and shares the state with the other tabs. The cart
 * shown is the core reducer applied to the confirmed cart and the queue — the very code
 * the server runs, with the tax rule the cart carries, so optimistic totals are the
 * server's totals. See README.md, "The state machine" and "Exactly once".
 */
export class CartStore implements CartActions {
  readonly api: CartApi;
  readonly runtime: Runtime;
  private readonly scheduler: Scheduler;
  private readonly storage: StorageAdapter;
  private readonly onlineSignal: OnlineSignal;
  private readonly tabs: TabCoordinator;
  private readonly newId: () => string;
  private readonly products = new Map<string, Product>();
  private regions: readonly Region[] = [];
  private readonly shippingOptions = new Map<string, ShippingOption>();
  /** Bumped when the facts of products, regions or shipping options change. */
  private factsVersion = 0;
  /** Units left of each product known (`CartSnapshot.stock`), a new object when one moves. */
  private stock: Readonly<Record<string, number | null>> = Object.freeze({});

  private state: SyncState;
  private booting: Promise<void> | null = null;
  private ready = false;
  private leader = false;
  private leaderReady: Promise<void> = Promise.resolve();
  private leaderStatus: SyncStatus | null = null;
  private leaderSync: SharedState['sync'] | null = null;
  private seenErrorAt = 0;
  private count = 0;
  /** The tax rule of the shop's carts (for carts not made yet), or null: none known. */
  private taxRule: TaxRule | null;
  private unsubscribeOnline: (() => void) | null = null;
  private broadcastQueued = false;
  /** The last queued action this (following) tab told the leader of, once told. */
  private told: Promise<void> = Promise.resolve();
  private readonly live: LiveLink;

  private readonly saver: StepSaver;

  private readonly settled = new Map<string, CartErrorReport | null>();
  private readonly snapshots = new SnapshotBuilder();
  private snapshot: CartSnapshot;
  private readonly listeners = new Set<() => void>();
  private readonly refusalListeners = new Set<(report: CartErrorReport) => void>();
  private readonly callers = new Callers();
  private readonly calls: LeaderCalls;

  constructor(private readonly options: CartStoreOptions = {}) {
    const inBrowser = typeof window !== 'undefined' && typeof document !== 'undefined';
    this.runtime = runtimeWith(options.runtime);
    this.newId = options.newId ?? randomId;
    this.scheduler = new Scheduler(this.runtime);
    this.api = CartApi.create(options, this.runtime, this.newId, inBrowser, this.scheduler.signal);
    const namespace = options.namespace ?? 'cart';
    this.storage =
      options.storage ??
      (IndexedDbStorage.available()
        ? new IndexedDbStorage(`cart-sdk:${namespace}`)
        : new MemoryStorage());
    this.live = new LiveLink((cartId) =>
      followCart({
        api: this.api,
        cartId,
        runtime: this.runtime,
        signal: this.scheduler.signal,
        onCart: (cart) => this.dispatch({ type: 'live', cart }),
        onStock: (level) => this.noteStock([level]),
        onGone: () => this.dispatch({ type: 'live-gone' }),
        onConnection: (up) => {
          if (up) this.dispatch({ type: 'live-up' });
        },
      }),
    );
    this.calls = new LeaderCalls(this.scheduler, this.newId, (m) => this.tabs.post(m));
    this.saver = new StepSaver(this.storage, this.api.auth, (error) =>
      this.options.onPersistError?.(error),
    );
    this.onlineSignal = options.online ?? browserOnlineSignal();
    this.tabs =
      options.tabs ?? (inBrowser ? browserTabs({ name: `cart-sdk:${namespace}` }) : soloTab());
    this.taxRule =
      options.taxRateBps === undefined && options.taxInclusive === undefined
        ? null
        : { taxRateBps: options.taxRateBps ?? 0, taxInclusive: options.taxInclusive ?? false };
    this.state = initialState(options.maxBatch ?? DEFAULT_MAX_BATCH);
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
    setCountry: (country) => this.setCountry(country),
    setShippingAddress: (address) => this.setShippingAddress(address),
    setShippingOption: (shippingOptionId) => this.setShippingOption(shippingOptionId),
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

  /**
   * Moves the cart to the region that sells to `country`: its currency, tax rule and
   * prices follow. Shown at once when the regions are read (`loadRegions`) and every
   * line's product is known with its prices; otherwise once the server has applied it.
   */
  setCountry(country: CountryCode): Promise<ActionResult> {
    return this.enqueue({ type: 'setCountry', country });
  }

  /** Sets (null clears) where the order ships; its country moves the cart as `setCountry` does. */
  setShippingAddress(address: Address | null): Promise<ActionResult> {
    return this.enqueue({ type: 'setShippingAddress', address });
  }

  /**
   * Chooses (null clears) a shipping option of the cart's region. Shown at once when the
   * option was read (`loadShippingOptions`), otherwise once the server has applied it.
   */
  setShippingOption(shippingOptionId: string | null): Promise<ActionResult> {
    return this.enqueue({ type: 'setShippingOption', shippingOptionId });
  }

  clear(): Promise<ActionResult> {
    return this.enqueue({ type: 'clear' });
  }

  /**
   * Checks out: the changes queued so far are sent first, then `POST /checkout` with
   * `If-Match` for the cart version they made (never optimistic: the server reserves the
   * stock). Changes made meanwhile are held back: they are not part of the order. Rejects
   * with the CartApiError of a refusal (of the checkout, or of a queued change refused on
   * the way, so the shopper sees the cart that would be bought), or a CartNetworkError
   * when the shop cannot be reached — the checkout is then kept and sent again, with the
   * same key, until it is answered (`lastOrder` shows the order).
   */
  async checkout(): Promise<CheckoutResult> {
    await this.start();
    if (!this.leader) return (await this.call({ kind: 'checkout' })) as CheckoutResult;
    if (this.state.outbox.length === 0 && activeCartId(this.state) === null)
      throw new CartApiError({ code: 'CART_EMPTY', status: 422 });
    const result = this.callers.checkout();
    this.dispatch({ type: 'checkout', key: this.newId() });
    return result;
  }

  /** Makes a new, empty cart now (the old one is forgotten on this device). */
  async createCart(): Promise<Cart> {
    await this.start();
    if (!this.leader) return (await this.call({ kind: 'create' })) as Cart;
    return this.switchTo({ type: 'create' });
  }

  /** Forgets the cart (after checkout); the next change starts a new one. */
  async startNewCart(): Promise<void> {
    await this.start();
    if (!this.leader) {
      await this.call({ kind: 'new' });
      return;
    }
    this.dispatch({ type: 'forget' });
  }

  /** Switches to an existing cart (in bearer mode, with its token) and reads it. */
  async loadCart(cartId: string, token: string | null = null): Promise<Cart> {
    await this.start();
    if (!this.leader) return (await this.call({ kind: 'load', cartId, token })) as Cart;
    return this.switchTo({ type: 'load', cartId, token });
  }

  /**
   * After sign-in: makes one cart of this device's cart and the shopper's own (`cartId`,
   * opened by `token`), through `POST /carts/:id/merge` (lines in both keep the larger
   * quantity). In bearer mode the shopper's cart survives and this device switches to
   * it; in cookie mode this browser's cart survives (its credential is the HttpOnly
   * cookie) and takes the other one in. Changes queued meanwhile go to the cart that
   * survives. Resolves with it.
   */
  async adoptCart(cartId: string, token: string): Promise<Cart> {
    await this.start();
    if (!this.leader) return (await this.call({ kind: 'adopt', cartId, token })) as Cart;
    const into = this.api.auth === 'bearer' ? 'given' : 'current';
    return this.switchTo({ type: 'merge', cartId, token, into });
  }

  /** Keeps product facts for optimistic adds (and their stock, for `CartSnapshot.stock`). */
  rememberProducts(products: readonly Product[]): void {
    for (const p of products) this.products.set(p.id, p);
    this.takeStock(products.map((p) => ({ productId: p.id, stock: p.stock })));
    this.factsVersion++;
    this.emit();
  }

  /**
   * Takes new stock levels (a live `stock` event, or the leading tab's): the products
   * known are held to them (an add or a raise past them is refused on the device, one
   * within them is let through), and the snapshot shows them.
   */
  private noteStock(levels: readonly StockLevel[]): void {
    if (!this.takeStock(levels)) return;
    this.factsVersion++;
    this.emit();
    this.broadcast();
  }

  /** Records levels in `stock` and in the products known; answers whether any moved. */
  private takeStock(levels: readonly StockLevel[]): boolean {
    const moved = levels.filter(({ productId, stock }) => this.stock[productId] !== stock);
    if (moved.length === 0) return false;
    const next: Record<string, number | null> = { ...this.stock };
    for (const { productId, stock } of moved) {
      next[productId] = stock;
      const known = this.products.get(productId);
      if (known && known.stock !== stock) this.products.set(productId, { ...known, stock });
    }
    this.stock = Object.freeze(next);
    return true;
  }

  /** Reads a page of the catalog and keeps its facts for optimistic adds. */
  async loadProducts(query: { limit?: number; cursor?: string } = {}): Promise<ProductPage> {
    const page = await this.api.listProducts(query);
    this.rememberProducts(page.items);
    return page;
  }

  /**
   * Keeps the shop's regions (all of them, as `GET /api/regions` lists them), for
   * optimistic moves (`setCountry`) and for a cart not made yet, shown in the default one.
   */
  rememberRegions(regions: readonly Region[]): void {
    this.regions = [...regions];
    this.factsVersion++;
    this.emit();
  }

  /** Reads the shop's regions and keeps them (see `rememberRegions`). */
  async loadRegions(): Promise<RegionList> {
    const list = await this.api.listRegions();
    this.rememberRegions(list.items);
    return list;
  }

  /** Keeps shipping options' terms, for optimistic choices (`setShippingOption`). */
  rememberShippingOptions(options: readonly ShippingOption[]): void {
    // The terms only: what a cart holds of a chosen option (an answer's `cost` is not one).
    for (const { id, regionId, name, amount, freeOverSubtotal, taxable } of options)
      this.shippingOptions.set(id, { id, regionId, name, amount, freeOverSubtotal, taxable });
    this.factsVersion++;
    this.emit();
  }

  /**
   * Reads the shipping options of the cart's region, each with what it would cost the
   * cart as the server holds it, and keeps them (see `rememberShippingOptions`). They are
   * the options of the region the server has the cart in: read them again once a change
   * of country or address has settled. With no cart yet, there are none.
   */
  async loadShippingOptions(): Promise<CartShippingOptions> {
    await this.start();
    const cartId = activeCartId(this.state);
    if (cartId === null) return { items: [] };
    const list = await this.api.listShippingOptions(cartId);
    this.rememberShippingOptions(list.items);
    return list;
  }

  /** Tries again now: after an error, or to skip the wait of an offline backoff. */
  retry(): void {
    if (!this.leader) {
      this.call({ kind: 'retry' }).catch(() => undefined);
      return;
    }
    this.dispatch({ type: 'retry' });
  }

  dismissError(): void {
    if (this.state.lastError === null) return;
    this.state = { ...this.state, lastError: null };
    this.emit();
  }

  /**
   * Stops everything: the wake-up timer, requests and their retries, the live
   * connection, tab coordination. Every promise the store handed out settles: queued
   * actions with a retryable UNAVAILABLE result (they stay queued in storage and are
   * sent by the next store), checkouts and cart switches with an error.
   */
  dispose(): void {
    if (this.scheduler.disposed) return;
    this.scheduler.dispose();
    this.live.close();
    this.unsubscribeOnline?.();
    this.unsubscribeOnline = null;
    this.tabs.close();
    this.storage.close?.();
    const report = reportFromLocal(
      {
        code: 'UNAVAILABLE',
        message: 'The cart store was closed before this change was confirmed.',
      },
      null,
      this.runtime.now(),
    );
    const closed = new CartNetworkError('network', 0, { cause: new Error('disposed') });
    this.callers.abandon({ ...report, retryable: true }, closed);
    this.calls.rejectAll(closed);
    this.listeners.clear();
  }

  // ---- booting and leadership -------------------------------------------------------

  private async boot(): Promise<void> {
    await this.restore();
    if (this.scheduler.disposed) return;
    this.ready = true;
    this.unsubscribeOnline = this.onlineSignal.subscribe((online) => {
      if (online && this.leader) this.dispatch({ type: 'online' });
      this.emit();
    });
    this.tabs.start({
      leadership: (isLeader) => this.onLeadership(isLeader),
      message: (raw) => {
        const message = readTabMessage(raw);
        if (message) this.onTabMessage(message);
      },
    });
    if (!this.leader) this.post({ type: 'hello', v: TAB_PROTOCOL });
    this.emit();
    await this.leaderReady;
  }

  /** Reads storage (a reload, or what the previous leading tab left) into the state. */
  private async restore(): Promise<void> {
    const restored = await this.saver.restore();
    if (!restored) return;
    const meta = restored.meta;
    let s = this.state;
    if (meta) {
      s = {
        ...s,
        cart: meta.cart,
        lineIds: { ...meta.lineIds, ...s.lineIds },
        checkout: meta.checkout,
        createKey: meta.createKey,
        clock: Math.max(s.clock, meta.clock),
        lastOrder: meta.lastOrder ?? s.lastOrder,
      };
      this.noteTaxRule(confirmedCart(s));
    }
    const known = new Set(s.outbox.map((i) => i.actionId));
    this.state = s;
    this.useToken();
    for (const item of restored.outbox)
      if (!known.has(item.actionId) && !this.callers.hasSettled(item.actionId))
        this.state = step(this.state, { type: 'enqueue', item }, this.ctx()).state;
  }

  /** In bearer mode, requests go with the token of the cart in use. */
  private useToken(): void {
    if (this.api.auth === 'bearer')
      this.api.token = this.state.cart.kind === 'none' ? null : this.state.cart.token;
  }

  private onLeadership(isLeader: boolean): void {
    const takeOver = this.ready && !this.leader && isLeader;
    this.leader = isLeader;
    if (isLeader) this.leaderReady = this.lead(takeOver);
    else {
      this.live.close();
      this.state = { ...this.state, leading: false };
    }
    this.emit();
  }

  private async lead(takeOver: boolean): Promise<void> {
    // The tab that led until now kept the meta record and the queue in storage.
    if (takeOver) await this.restore();
    if (!this.leader || this.scheduler.disposed) return;
    const settledOnce = new Promise<void>((resolve) => {
      const check = () => {
        const s = this.state;
        const reading = s.request?.kind === 'read' || s.readWanted;
        if (!reading || s.link !== 'up' || this.scheduler.disposed) {
          unsubscribe();
          resolve();
        }
      };
      const unsubscribe = this.watch(check);
    });
    this.dispatch({ type: 'lead' });
    await settledOnce;
  }

  // ---- the machine --------------------------------------------------------------------

  private ctx() {
    return {
      now: this.runtime.now(),
      newKey: this.newId,
      backoff: { baseDelayMs: 1000, maxDelayMs: 30_000, ...this.options.reconnect },
      random: () => this.runtime.random(),
    };
  }

  /**
   * One step: the new state is shown at once; it is saved (one transaction), and only
   * then are its effects run — a request never goes out for a state storage does not
   * hold, and a caller is never told of a result a reload would forget.
   */
  private dispatch(event: SyncEvent): void {
    if (this.scheduler.disposed) return;
    const { state, effects } = step(this.state, event, this.ctx());
    this.state = state;
    this.useToken();
    this.noteTaxRule(confirmedCart(state));
    // Only the leading tab writes the meta record; the others only add their actions.
    const saved = this.leader ? this.saver.save(state) : Promise.resolve();
    this.followLive();
    this.broadcast();
    this.emit();
    // A wake-up acts on nothing outside: it is set now. The rest waits for the save.
    for (const e of effects)
      if (e.type === 'wake-at') this.scheduler.wake(e.at, () => this.dispatch({ type: 'wake' }));
    const rest = effects.filter((e) => e.type !== 'wake-at');
    if (rest.length > 0) void saved.then(() => this.run(rest));
  }

  private run(effects: readonly SyncEffect[]): void {
    for (const effect of effects) {
      switch (effect.type) {
        case 'send':
          void this.send(effect.request);
          break;
        case 'wake-at':
          break; // set at once, in dispatch
        case 'settled':
          this.settle(effect.actionId, effect.report);
          break;
        case 'announce':
          this.announce(effect.report);
          break;
        case 'checkout-ended':
          this.callers.checkoutEnded(effect.order, effect.report);
          break;
        case 'switched':
          this.callers.switched(effect.cart, effect.report);
          break;
      }
    }
    this.broadcast(); // what settled, for the other tabs' callers
    this.emit();
  }

  private async send(request: Parameters<typeof perform>[1]): Promise<void> {
    let outcome;
    try {
      outcome = await perform(this.api, request);
    } catch (error) {
      if (this.scheduler.disposed) return;
      outcome = outcomeOf(error, this.runtime.now());
    }
    if (this.scheduler.disposed) return;
    this.dispatch({ type: 'answered', request, outcome });
    // A checkout that could not reach the shop is kept and sent again; its callers hear
    // of the failure now (the order shows in `lastOrder` when it lands).
    if (!outcome.ok && outcome.kind !== 'refused' && this.state.checkout)
      this.callers.checkoutUnreachable(new CartNetworkError('network', 0));
  }

  private switchTo(event: SyncEvent): Promise<Cart> {
    this.dispatch(event);
    const pending = this.callers.switch();
    // A switch that cannot reach the shop fails now rather than waiting for it.
    const unsubscribe = this.watch(() => {
      if (!pending.waiting()) return unsubscribe();
      if (this.state.link === 'down' || this.state.link === 'trouble') {
        unsubscribe();
        pending.fail(new CartNetworkError('network', 0));
      }
    });
    return pending.promise;
  }

  /** The leading tab follows the active cart's live events; the others follow none. */
  private followLive(): void {
    const live = this.leader && this.options.live !== false && !this.scheduler.disposed;
    this.live.follow(live ? activeCartId(this.state) : null);
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
    const time = nextOrderTime(this.state, now);
    const item: PendingAction = {
      actionId,
      action,
      seq: `${time.toString(36).padStart(9, '0')}.${(this.count++ % 36 ** 4).toString(36).padStart(4, '0')}.${this.tabs.tabId}`,
      createdAt: now,
      ...(product ? { product } : {}),
    };
    const result = this.callers.action(actionId);
    if (this.leader) {
      this.dispatch({ type: 'enqueue', item });
    } else {
      // Stored first, then told: the leading tab only ever hears of saved actions.
      this.state = step(this.state, { type: 'enqueue', item }, this.ctx()).state;
      this.emit();
      this.told = this.saver
        .put(item)
        .then(() => this.post({ type: 'enqueued', v: TAB_PROTOCOL, item }));
    }
    return result;
  }

  /**
   * Refuses on the device what the reducer refuses on the cart shown, when the device
   * knows the facts: a line that is not there, more than the stock or limit the product
   * showed. Not a code (only the server knows the terms), a product the device has no
   * facts for, nor anything about the cart's status (an expired or closed cart starts a
   * new one): those go to the server, which decides.
   */
  private checkLocally(action: CartAction, actionId: string): CartError | null {
    const base = this.base();
    if (!base) return null;
    const facts = this.facts();
    const { state } = showCart(base, this.state.outbox, this.state.lineIds, facts);
    const resolved = resolveLineId(action, this.state.lineIds);
    const result = apply(state, resolved, applyContext(state, facts, actionId));
    if (result.ok) return null;
    const code = result.error.code;
    if (action.type === 'applyDiscount' || SERVER_DECIDES.has(code)) return null;
    if (code === 'COUNTRY_NOT_SERVED' && this.regions.length === 0) return null;
    return result.error;
  }

  private refuseLocally(
    error: CartError,
    item: Pick<PendingAction, 'actionId' | 'action'>,
  ): ActionResult {
    const report = reportFromLocal(error, item, this.runtime.now());
    this.state = { ...this.state, lastError: report };
    this.announce(report);
    this.emit();
    return { ok: false, actionId: item.actionId || null, error: report };
  }

  private announce(report: CartErrorReport): void {
    for (const listener of [...this.refusalListeners]) listener(report);
  }

  /** Settles a caller's promise — on the next emit, so that it sees the new snapshot. */
  private settle(actionId: string, report: CartErrorReport | null): void {
    this.callers.settle(actionId, report, confirmedCart(this.state));
  }

  // ---- tabs -------------------------------------------------------------------------

  private post(message: TabMessage): void {
    this.tabs.post(message);
  }

  /** Asks the leading tab to do something, once it has heard of this tab's actions. */
  private async call(call: LeaderCall): Promise<unknown> {
    await this.told;
    return this.calls.call(call);
  }

  private async answerCall(id: string, call: LeaderCall): Promise<void> {
    let value: unknown = null;
    let report: CartErrorReport | null = null;
    try {
      switch (call.kind) {
        case 'retry':
          this.retry();
          break;
        case 'new':
          await this.startNewCart();
          break;
        case 'create':
          value = await this.createCart();
          break;
        case 'checkout':
          value = await this.checkout();
          break;
        case 'load':
          value = await this.loadCart(call.cartId, call.token);
          break;
        case 'adopt':
          value = await this.adoptCart(call.cartId, call.token);
          break;
      }
    } catch (error) {
      report = reportFromError(error, this.runtime.now());
    }
    this.post({ type: 'reply', v: TAB_PROTOCOL, id, ok: report === null, value, report });
  }

  private onTabMessage(message: TabMessage): void {
    switch (message.type) {
      case 'hello':
        this.broadcast();
        return;
      case 'enqueued':
        if (!this.leader || this.callers.hasSettled(message.item.actionId)) return;
        this.dispatch({ type: 'enqueue', item: message.item });
        return;
      case 'call':
        if (this.leader) void this.answerCall(message.id, message.call);
        return;
      case 'reply':
        this.calls.answered(message);
        return;
      case 'state':
        if (!this.leader) this.follow(message.state);
        return;
    }
  }

  /** Takes the leading tab's state, keeping this tab's actions it has not heard of yet. */
  private follow(shared: SharedState): void {
    for (const { actionId, report } of shared.settled) {
      if (this.callers.hasSettled(actionId)) continue;
      this.settle(actionId, report);
      if (report && report.source === 'server' && report.at > this.seenErrorAt)
        this.announce(report);
    }
    const known = new Set(shared.outbox.map((i) => i.actionId));
    const mine = this.state.outbox.filter(
      (i) => !known.has(i.actionId) && !this.callers.hasSettled(i.actionId),
    );
    let s: SyncState = {
      ...this.state,
      cart: shared.cart,
      outbox: shared.outbox,
      lineIds: shared.lineIds,
      clock: Math.max(this.state.clock, shared.clock),
      lastOrder: shared.lastOrder,
      lastError:
        shared.lastError && shared.lastError.at > this.seenErrorAt
          ? shared.lastError
          : this.state.lastError,
    };
    if (shared.lastError) this.seenErrorAt = Math.max(this.seenErrorAt, shared.lastError.at);
    for (const item of mine) s = step(s, { type: 'enqueue', item }, this.ctx()).state;
    this.state = s;
    this.useToken();
    this.leaderStatus = shared.status;
    this.leaderSync = shared.sync;
    if (shared.taxRateBps !== null)
      this.taxRule = { taxRateBps: shared.taxRateBps, taxInclusive: shared.taxInclusive };
    const levels = Object.entries(shared.stock).map(([productId, stock]) => ({ productId, stock }));
    if (this.takeStock(levels)) this.factsVersion++;
    this.emit();
  }

  /** Tells the other tabs the state (once per turn of the event loop). */
  private broadcast(): void {
    if (!this.leader || this.broadcastQueued) return;
    this.broadcastQueued = true;
    queueMicrotask(() => {
      this.broadcastQueued = false;
      if (!this.leader || this.scheduler.disposed) return;
      const s = this.state;
      const state: SharedState = {
        cart: s.cart,
        outbox: [...s.outbox],
        lineIds: s.lineIds,
        clock: s.clock,
        settled: this.callers.recent(100),
        lastError: s.lastError,
        lastOrder: s.lastOrder,
        status: this.status(),
        sync: phaseOf(s),
        taxRateBps: this.taxRule?.taxRateBps ?? null,
        taxInclusive: this.taxRule?.taxInclusive ?? false,
        stock: this.stock,
      };
      this.post({ type: 'state', v: TAB_PROTOCOL, state });
    });
  }

  // ---- the view -----------------------------------------------------------------------

  /** Remembers the shop's tax rule from the carts it sends (for carts not made yet). */
  private noteTaxRule(cart: Cart | null): void {
    if (cart) this.taxRule = { taxRateBps: cart.taxRateBps, taxInclusive: cart.taxInclusive };
  }

  private watch(check: () => void): () => void {
    const unsubscribe = this.subscribe(check);
    queueMicrotask(check);
    return unsubscribe;
  }

  private facts(): ViewFacts {
    return {
      product: (id) => this.products.get(id),
      limits: this.options.limits ?? DEFAULT_LIMITS,
      taxRule: this.taxRule ?? { taxRateBps: 0, taxInclusive: false },
      regions: this.regions,
      shippingOption: (id) => this.shippingOptions.get(id),
      now: new Date(this.runtime.now()).toISOString(),
    };
  }

  private base(): CartState | null {
    return viewBase(
      this.state,
      this.ready,
      this.options.currency,
      this.facts(),
      this.runtime.now(),
    );
  }

  private status(): SyncStatus {
    const s = this.state;
    if (this.base() === null) return 'loading';
    if (s.link === 'fatal') return 'error';
    const leaderSays = this.leader ? null : this.leaderStatus;
    if (!this.onlineSignal.isOnline() || s.link === 'down' || leaderSays === 'offline')
      return 'offline';
    if (s.link === 'trouble' || leaderSays === 'error') return 'error';
    if (s.outbox.length > 0 || s.request || s.checkout) return 'syncing';
    return 'idle';
  }

  private build(): CartSnapshot {
    const s = this.state;
    return this.snapshots.build({
      confirmed: confirmedCart(s),
      // An expired cart is not in use: the next change starts another.
      cartId: s.cart.kind === 'none' || s.cart.kind === 'expired' ? null : s.cart.id,
      outbox: s.outbox,
      lineIds: s.lineIds,
      base: this.base(),
      facts: this.facts(),
      factsVersion: this.factsVersion,
      status: this.status(),
      deviceOffline: !this.onlineSignal.isOnline(),
      sync: this.leader ? phaseOf(s) : (this.leaderSync ?? phaseOf(s)),
      leader: this.leader,
      lastError: s.lastError,
      lastOrder: s.lastOrder,
      stock: this.stock,
    });
  }

  /** Recomputes the snapshot, tells the listeners if anything changed, then settles callers. */
  private emit(): void {
    if (this.scheduler.disposed) return;
    const next = this.build();
    if (!sameSnapshot(this.snapshot, next)) {
      this.snapshot = next;
      for (const listener of [...this.listeners]) listener();
    }
    this.callers.flush();
  }
}

/** Makes a cart store; call `start()` to restore, load and begin syncing. */
export function createCartStore(options: CartStoreOptions = {}): CartStore {
  return new CartStore(options);
}
