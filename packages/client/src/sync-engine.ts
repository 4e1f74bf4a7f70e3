import type { Cart } from '@cart/core';
import type { CartApi } from './cart-api.ts';
import {
  reportFromApi,
  reportFromLocal,
  type ActionResult,
  type CartErrorReport,
} from './cart-snapshot.ts';
import type { Connectivity } from './connectivity.ts';
import { CartApiError, CartNetworkError } from './errors.ts';
import { followCart } from './live-cart.ts';
import type { Attempt, PendingAction } from './outbox.ts';
import type { Runtime } from './runtime.ts';
import type { StorageAdapter } from './storage.ts';
import type { SyncBook } from './sync-book.ts';
import { isRetryableAnswer } from './transport.ts';

/** What the engine needs of the store it works for. */
export interface EngineHost {
  isLeader(): boolean;
  isReady(): boolean;
  isDisposed(): boolean;
  online(): boolean;
  setLastError(report: CartErrorReport | null): void;
  /** Rebuilds the snapshot and tells listeners. */
  emit(): void;
  /** Tells the other tabs. */
  broadcast(): void;
  /** Reports a refusal (lastError, refusal listeners). */
  announce(report: CartErrorReport): void;
  resolveWaiter(actionId: string, result: ActionResult): void;
  persistError(error: unknown): void;
}

/**
 * The sending side of the store, in the leading tab: makes the cart, sends the queue in
 * batches and reads what each answer means (through the SyncBook), reads the cart, and
 * follows its live events. Every request goes through the transport, so each carries
 * an Idempotency-Key and is retried with backoff before the engine sees a failure.
 */
export class SyncEngine {
  /** Requests on their way (the live stream is held back meanwhile). */
  inFlight = 0;
  /** A read of the cart is under way. */
  loading = false;
  /** The last failure, for callers that asked for something that failed. */
  lastFailure: unknown = null;
  private flushing: Promise<void> | null = null;
  private flushAgain: { force: boolean } | null = null;
  private creating: Promise<boolean> | null = null;
  private createKey: string | null = null;
  private live: { cartId: string; close(): void } | null = null;
  private buffered: Cart | null = null;

  constructor(
    private readonly book: SyncBook,
    private readonly api: CartApi,
    private readonly storage: StorageAdapter,
    private readonly net: Connectivity,
    private readonly runtime: Runtime,
    private readonly newId: () => string,
    private readonly liveEnabled: boolean,
    private readonly host: EngineHost,
  ) {}

  /** Sends what is queued, or else reads the cart: to learn whether the shop is back. */
  probe(): void {
    if (this.book.outbox.length > 0) this.scheduleFlush(true);
    else void this.refresh();
  }

  /** Resolves when no round of sending is running (after any that is). */
  async settled(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  scheduleFlush(force = false): void {
    if (!this.host.isLeader() || this.host.isDisposed() || !this.host.isReady()) return;
    if (this.net.down && !force) return; // the probe or the online event will call
    if (this.flushing) {
      // Asked while a round is ending (a probe firing as the last one failed): run again.
      this.flushAgain = { force: force || (this.flushAgain?.force ?? false) };
      return;
    }
    this.flushing = this.drain().finally(() => {
      this.flushing = null;
      const again = this.flushAgain;
      this.flushAgain = null;
      this.host.emit();
      if (again) this.scheduleFlush(again.force);
    });
  }

  /** Sends batches until the queue is empty or the shop cannot be reached. */
  private async drain(): Promise<void> {
    for (let round = 0; round < 10_000; round++) {
      if (!this.host.isLeader() || this.host.isDisposed() || !this.host.online()) return;
      if (this.book.outbox.length === 0) return;
      if (!(await this.ensureCart())) return;
      const { attempt, orphans } = this.book.nextAttempt(this.newId);
      for (const orphan of orphans) this.drop(orphan, this.lineGone(orphan), false);
      if (orphans.length > 0) continue;
      if (!attempt) return;
      await this.persistMeta(); // on disk before on the wire
      if (!(await this.send(attempt))) return;
    }
  }

  ensureCart(): Promise<boolean> {
    if (this.book.cartId !== null) return Promise.resolve(true);
    this.creating ??= this.create().finally(() => {
      this.creating = null;
    });
    return this.creating;
  }

  private async create(): Promise<boolean> {
    // One key per logical creation: a retry after a lost answer gets the same cart back.
    this.createKey ??= this.newId();
    this.inFlight++;
    this.host.emit();
    try {
      const { value: cart } = await this.api.createCart(this.createKey);
      this.createKey = null;
      this.net.ok();
      this.book.cartId = cart.id;
      this.book.confirmed = null;
      this.book.adopt(cart);
      await this.persistMeta();
      this.openLive();
      this.host.broadcast();
      return true;
    } catch (error) {
      this.failed(error);
      return false;
    } finally {
      this.inFlight--;
      this.host.emit();
    }
  }

  /** Sends one attempt; answers whether to go on sending. */
  private async send(attempt: Attempt): Promise<boolean> {
    const cartId = this.book.cartId as string;
    this.inFlight++;
    this.host.emit();
    try {
      const { value: cart } = await this.api.postActions(cartId, attempt.actions, attempt.key);
      if (cartId !== this.book.cartId) return true;
      this.net.ok();
      const ids = this.book.confirm(attempt, cart);
      void this.storage.deleteActions(ids).catch((e: unknown) => this.host.persistError(e));
      void this.persistMeta();
      const confirmed = this.book.confirmed;
      for (const id of ids)
        this.host.resolveWaiter(id, { ok: true, actionId: id, cart: confirmed });
      this.host.broadcast();
      return true;
    } catch (error) {
      if (cartId !== this.book.cartId) return true;
      if (!(error instanceof CartApiError) || isRetryableAnswer(error)) {
        this.failed(error);
        return false;
      }
      this.net.ok(); // an answer, however unwelcome, proves the shop is reachable
      return await this.refused(error, attempt);
    } finally {
      this.inFlight--;
      this.releaseBuffered();
      this.host.emit();
    }
  }

  private async refused(error: CartApiError, attempt: Attempt): Promise<boolean> {
    const verdict = this.book.judge(error, attempt);
    const now = this.runtime.now();
    switch (verdict.kind) {
      case 'again':
        return true;
      case 'drop':
        this.drop(verdict.item, reportFromApi(error, verdict.item, now), true);
        return true;
      case 'cart-gone':
        this.cartGone(error);
        return true;
      case 'cart-closed':
        return this.cartClosed(error);
      case 'stuck':
        this.failFatally(reportFromApi(error, null, now), error);
        return false;
    }
  }

  /** Drops a queued action (and what depends on its line), rolling the view back. */
  private drop(item: PendingAction, report: CartErrorReport, announce: boolean): void {
    const dropped = this.book.drop(item);
    void this.storage
      .deleteActions(dropped.map((d) => d.actionId))
      .catch((e: unknown) => this.host.persistError(e));
    for (const d of dropped) {
      const r = d === item ? report : this.lineGone(d);
      this.book.settle(d.actionId, r);
      this.host.resolveWaiter(d.actionId, { ok: false, actionId: d.actionId, error: r });
    }
    if (announce) this.host.announce(report);
    this.host.broadcast();
  }

  lineGone(item: PendingAction): CartErrorReport {
    const error = {
      code: 'LINE_NOT_FOUND' as const,
      message: 'That item is no longer in your cart.',
    };
    return reportFromLocal(error, item, this.runtime.now());
  }

  /**
   * The cart is gone (expired and purged, or the credential no longer opens it). As the
   * catalog promises, a new one is started: queued actions that do not name a line of
   * the old cart are carried over and sent to it.
   */
  private cartGone(error: CartApiError): void {
    this.lastFailure = error;
    this.host.setLastError(reportFromApi(error, null, this.runtime.now()));
    this.closeLive();
    this.api.token = null;
    for (const item of this.book.cartGone()) this.drop(item, this.lineGone(item), false);
    void this.persistMeta();
    this.host.broadcast();
    this.host.emit();
  }

  /** Checked out or merged elsewhere: queued changes can no longer apply; an expired one starts anew. */
  private async cartClosed(error: CartApiError): Promise<boolean> {
    let cart: Cart | null = error.cart ?? null;
    try {
      if (this.book.cartId) cart = await this.api.getCart(this.book.cartId);
    } catch {
      // The refusal says enough; the cart is shown as last confirmed.
    }
    if (cart === null || cart.status === 'expired') {
      this.cartGone(error);
      return true;
    }
    this.book.adopt(cart);
    this.book.attempts = [];
    this.book.resolving = false;
    const report = reportFromApi(error, null, this.runtime.now());
    for (const item of [...this.book.outbox]) this.drop(item, report, false);
    this.host.announce(report);
    void this.persistMeta();
    return false;
  }

  /** No answer (network), or a shop that keeps failing: keep everything, try again later. */
  private failed(error: unknown): void {
    this.lastFailure = error;
    const now = this.runtime.now();
    if (error instanceof CartApiError && !isRetryableAnswer(error)) {
      this.net.down = false;
      this.failFatally(reportFromApi(error, null, now), error);
      return;
    }
    if (error instanceof CartNetworkError) {
      this.net.down = true;
    } else {
      this.net.down = false;
      const unreadable = {
        code: 'INTERNAL' as const,
        message: 'The shop sent an answer we could not read.',
      };
      const report =
        error instanceof CartApiError
          ? reportFromApi(error, null, now, true)
          : reportFromLocal(unreadable, null, now);
      this.net.trouble = report;
      this.host.setLastError(report);
    }
    if (this.host.isLeader() && !this.host.isDisposed()) this.net.scheduleProbe();
    this.host.emit();
  }

  /** A refusal that is not about one action (the credential, CSRF): stop until retry(). */
  private failFatally(report: CartErrorReport, error: unknown): void {
    this.lastFailure = error;
    this.net.fatal = true;
    this.host.setLastError(report);
    this.host.emit();
  }

  /** Reads the cart from the server. */
  async refresh(): Promise<void> {
    const cartId = this.book.cartId;
    if (cartId === null || !this.host.isLeader() || this.host.isDisposed()) return;
    this.loading = true;
    this.host.emit();
    try {
      const cart = await this.api.getCart(cartId);
      if (cartId !== this.book.cartId) return;
      this.net.ok();
      this.book.adopt(cart);
      await this.persistMeta();
      this.host.broadcast();
    } catch (error) {
      if (cartId !== this.book.cartId) return;
      if (error instanceof CartApiError && error.status === 404) this.cartGone(error);
      else this.failed(error);
    } finally {
      this.loading = false;
      this.host.emit();
    }
  }

  openLive(): void {
    const cartId = this.book.cartId;
    if (!this.liveEnabled || !this.host.isLeader() || this.host.isDisposed() || cartId === null)
      return;
    if (this.live?.cartId === cartId) return;
    this.closeLive();
    const follower = followCart({
      api: this.api,
      cartId,
      runtime: this.runtime,
      onCart: (cart) => this.onLiveCart(cart),
      onGone: () => void this.refresh(),
      onConnection: (up) => {
        // The stream reaching us is proof the shop is reachable again.
        if (up && this.net.down) {
          this.net.down = false;
          this.scheduleFlush(true);
          this.host.emit();
        }
      },
    });
    this.live = { cartId, close: () => follower.close() };
  }

  closeLive(): void {
    this.live?.close();
    this.live = null;
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
    if (!this.book.adopt(cart)) return;
    void this.persistMeta();
    this.host.broadcast();
    this.host.emit();
  }

  private releaseBuffered(): void {
    if (this.inFlight > 0 || !this.buffered) return;
    const cart = this.buffered;
    this.buffered = null;
    if (!this.book.adopt(cart)) return;
    void this.persistMeta();
    this.host.broadcast();
  }

  /** Saves the meta record; only the leading tab writes it. */
  async persistMeta(): Promise<void> {
    // A closed tab writes nothing more: its successor owns the record now.
    if (!this.host.isLeader() || this.host.isDisposed()) return;
    const token = this.api.auth === 'bearer' ? this.api.token : null;
    try {
      await this.storage.saveMeta(this.book.meta(token));
    } catch (error) {
      this.host.persistError(error);
    }
  }
}
