import {
  Cart,
  CartShippingOptions,
  CheckoutResult,
  CreatedCart,
  Product,
  ProductPage,
  RegionList,
  type CartAction,
} from '@cart/core';
import { CartApiError, CartProtocolError } from './errors.ts';
import type { Runtime } from './runtime.ts';
import type { CartStoreOptions } from './store-options.ts';
import { Transport, type HttpMethod, type TransportResponse } from './transport.ts';
import { readTolerant, type Schema } from './tolerant.ts';

/**
 * How requests prove they may touch the cart: `bearer` sends the token as
 * `Authorization: Bearer …` (Node, native apps); `cookie` relies on the HttpOnly cookie
 * `POST /api/carts` sets and adds the CSRF token to every change (browsers: the token
 * never reaches script).
 */
export type AuthMode = 'bearer' | 'cookie';

/** An answer with its idempotency facts. */
export interface ApiAnswer<T> {
  value: T;
  replayed: boolean;
}

/**
 * The cart endpoints (docs/api.md), typed by the core schemas: every answer is parsed
 * with the schema the server serialized it with.
 */
export class CartApi {
  /** The cart token, in bearer mode. */
  token: string | null = null;
  private csrfToken: Promise<string> | null = null;

  constructor(
    readonly transport: Transport,
    readonly auth: AuthMode,
    readonly prefix = '/api',
    /** Every request listens to it (a disposed store aborts them all). */
    readonly signal?: AbortSignal,
  ) {}

  /** The API of a store: its transport from the store's options. */
  static create(
    options: CartStoreOptions,
    runtime: Runtime,
    newKey: () => string,
    inBrowser: boolean,
    signal: AbortSignal,
  ): CartApi {
    const transport = new Transport({
      ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
      runtime,
      newKey,
    });
    return new CartApi(
      transport,
      options.auth ?? (inBrowser ? 'cookie' : 'bearer'),
      '/api',
      signal,
    );
  }

  /**
   * `POST /carts`: a new cart and its token (kept for later requests in bearer mode, and
   * answered; in cookie mode the answer's token is not kept: the cookie holds it).
   */
  async createCart(idempotencyKey: string): Promise<ApiAnswer<Cart> & { token: string | null }> {
    const answer = await this.change('POST', '/carts', undefined, idempotencyKey, CreatedCart, {
      credential: false,
    });
    const { token, ...cart } = answer.value;
    const kept = this.auth === 'bearer' ? token : null;
    if (kept !== null) this.token = kept;
    return { value: cart, replayed: answer.replayed, token: kept };
  }

  /**
   * `POST /carts/:id/merge`: the source cart (opened by its token) is merged into this
   * one (lines in both keep the larger quantity) and becomes `merged`.
   */
  mergeCart(
    cartId: string,
    sourceCartId: string,
    sourceToken: string,
    idempotencyKey: string,
    /** The target's token, when it is not the cart this API holds the credential of. */
    targetToken: string | null = null,
  ): Promise<ApiAnswer<Cart>> {
    return this.change(
      'POST',
      `/carts/${encodeURIComponent(cartId)}/merge`,
      { sourceCartId, sourceToken },
      idempotencyKey,
      Cart,
      targetToken === null ? {} : { headers: { authorization: `Bearer ${targetToken}` } },
    );
  }

  async getCart(cartId: string, signal?: AbortSignal): Promise<Cart> {
    const res = await this.transport.request({
      method: 'GET',
      path: `${this.prefix}/carts/${encodeURIComponent(cartId)}`,
      headers: this.authHeaders(),
      ...this.signalOf(signal),
    });
    return parse(Cart, res);
  }

  /** `POST /carts/:id/actions`: the batch applied atomically, in order. */
  postActions(
    cartId: string,
    actions: readonly CartAction[],
    idempotencyKey: string,
  ): Promise<ApiAnswer<Cart>> {
    return this.change(
      'POST',
      `/carts/${encodeURIComponent(cartId)}/actions`,
      { actions },
      idempotencyKey,
      Cart,
    );
  }

  /** `POST /carts/:id/checkout`; with `version`, only if the cart is still at it (`If-Match`). */
  checkout(
    cartId: string,
    idempotencyKey: string,
    version?: number,
  ): Promise<ApiAnswer<CheckoutResult>> {
    return this.change(
      'POST',
      `/carts/${encodeURIComponent(cartId)}/checkout`,
      undefined,
      idempotencyKey,
      CheckoutResult,
      version === undefined ? {} : { headers: { 'if-match': `"${version}"` } },
    );
  }

  async listProducts(
    query: { limit?: number; cursor?: string } = {},
    signal?: AbortSignal,
  ): Promise<ProductPage> {
    const params = new URLSearchParams();
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    if (query.cursor !== undefined) params.set('cursor', query.cursor);
    const qs = params.size > 0 ? `?${params.toString()}` : '';
    const res = await this.transport.request({
      method: 'GET',
      path: `${this.prefix}/products${qs}`,
      ...this.signalOf(signal),
    });
    return parse(ProductPage, res);
  }

  async getProduct(productId: string, signal?: AbortSignal): Promise<Product> {
    const res = await this.transport.request({
      method: 'GET',
      path: `${this.prefix}/products/${encodeURIComponent(productId)}`,
      ...this.signalOf(signal),
    });
    return parse(Product, res);
  }

  /** `GET /regions`: the regions the shop sells to, with their currency and tax rule. */
  async listRegions(signal?: AbortSignal): Promise<RegionList> {
    const res = await this.transport.request({
      method: 'GET',
      path: `${this.prefix}/regions`,
      ...this.signalOf(signal),
    });
    return parse(RegionList, res);
  }

  /**
   * `GET /carts/:id/shipping-options`: the options of the cart's region, each with what
   * it would cost the cart as the server holds it.
   */
  async listShippingOptions(cartId: string, signal?: AbortSignal): Promise<CartShippingOptions> {
    const res = await this.transport.request({
      method: 'GET',
      path: `${this.prefix}/carts/${encodeURIComponent(cartId)}/shipping-options`,
      headers: this.authHeaders(),
      ...this.signalOf(signal),
    });
    return parse(CartShippingOptions, res);
  }

  /** Path of the live event stream of a cart. */
  eventsPath(cartId: string): string {
    return `${this.prefix}/carts/${encodeURIComponent(cartId)}/events`;
  }

  /** The credential headers of a request (none in cookie mode: the browser sends the cookie). */
  authHeaders(): Record<string, string> {
    return this.auth === 'bearer' && this.token !== null
      ? { authorization: `Bearer ${this.token}` }
      : {};
  }

  /**
   * A mutation. In cookie mode it carries the CSRF token, fetched once and fetched
   * again, once, if the server refuses it (it expired, or the cookie was cleared). The
   * second try keeps the Idempotency-Key: the refusal happened before anything was done.
   */
  private async change<T>(
    method: HttpMethod,
    path: string,
    body: unknown,
    idempotencyKey: string,
    schema: Schema<T>,
    options: { credential?: boolean; headers?: Record<string, string> } = {},
  ): Promise<ApiAnswer<T>> {
    const withCredential = options.credential !== false;
    const send = async () => {
      const headers = { ...(withCredential ? this.authHeaders() : {}), ...options.headers };
      if (withCredential && this.auth === 'cookie') headers['x-csrf-token'] = await this.csrf();
      return this.transport.request({
        method,
        path: `${this.prefix}${path}`,
        body,
        headers,
        idempotencyKey,
        ...this.signalOf(),
      });
    };
    let res: TransportResponse;
    try {
      res = await send();
    } catch (error) {
      if (!(error instanceof CartApiError && error.code === 'CSRF_TOKEN_INVALID')) throw error;
      if (this.auth !== 'cookie' || !withCredential) throw error;
      this.csrfToken = null;
      res = await send();
    }
    return { value: parse(schema, res), replayed: res.replayed };
  }

  /** The caller's signal, else the API's own (when either is set). */
  private signalOf(signal?: AbortSignal): { signal?: AbortSignal } {
    const s = signal ?? this.signal;
    return s ? { signal: s } : {};
  }

  private csrf(): Promise<string> {
    this.csrfToken ??= this.transport
      .request({ method: 'GET', path: `${this.prefix}/csrf`, ...this.signalOf() })
      .then((res) => {
        const token = (res.body as { token?: unknown } | undefined)?.token;
        if (typeof token !== 'string') throw new CartProtocolError('GET /api/csrf gave no token');
        return token;
      });
    // A failed fetch is not cached: the next change asks again.
    this.csrfToken.catch(() => {
      this.csrfToken = null;
    });
    return this.csrfToken;
  }
}

function parse<T>(schema: Schema<T>, res: TransportResponse): T {
  const parsed = readTolerant(schema, res.body);
  if (!parsed.success) {
    throw new CartProtocolError(`unexpected answer (${res.status}): ${parsed.error.message}`);
  }
  return parsed.data;
}
