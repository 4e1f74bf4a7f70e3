import {
  Cart,
  CheckoutResult,
  CreatedCart,
  Product,
  ProductPage,
  type CartAction,
} from '@cart/core';
import { CartApiError, CartProtocolError } from './errors.ts';
import type { HttpMethod, Transport, TransportResponse } from './transport.ts';

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
 * The cart endpoints of DESIGN.md §4, typed by the core schemas: every answer is parsed
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
  ) {}

  /** `POST /carts`: a new cart and its token (kept for later requests in bearer mode). */
  async createCart(idempotencyKey: string): Promise<ApiAnswer<Cart>> {
    const answer = await this.change('POST', '/carts', undefined, idempotencyKey, CreatedCart, {
      credential: false,
    });
    const { token, ...cart } = answer.value;
    if (this.auth === 'bearer') this.token = token;
    return { value: cart, replayed: answer.replayed };
  }

  async getCart(cartId: string, signal?: AbortSignal): Promise<Cart> {
    const res = await this.transport.request({
      method: 'GET',
      path: `${this.prefix}/carts/${encodeURIComponent(cartId)}`,
      headers: this.authHeaders(),
      ...(signal ? { signal } : {}),
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

  checkout(cartId: string, idempotencyKey: string): Promise<ApiAnswer<CheckoutResult>> {
    return this.change(
      'POST',
      `/carts/${encodeURIComponent(cartId)}/checkout`,
      undefined,
      idempotencyKey,
      CheckoutResult,
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
      ...(signal ? { signal } : {}),
    });
    return parse(ProductPage, res);
  }

  async getProduct(productId: string, signal?: AbortSignal): Promise<Product> {
    const res = await this.transport.request({
      method: 'GET',
      path: `${this.prefix}/products/${encodeURIComponent(productId)}`,
      ...(signal ? { signal } : {}),
    });
    return parse(Product, res);
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
    options: { credential?: boolean } = {},
  ): Promise<ApiAnswer<T>> {
    const withCredential = options.credential !== false;
    const send = async () => {
      const headers = withCredential ? this.authHeaders() : {};
      if (withCredential && this.auth === 'cookie') headers['x-csrf-token'] = await this.csrf();
      return this.transport.request({
        method,
        path: `${this.prefix}${path}`,
        body,
        headers,
        idempotencyKey,
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

  private csrf(): Promise<string> {
    this.csrfToken ??= this.transport
      .request({ method: 'GET', path: `${this.prefix}/csrf` })
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

/** What the SDK needs of a zod schema. */
interface Schema<T> {
  safeParse(
    value: unknown,
  ): { success: true; data: T } | { success: false; error: { message: string } };
}

function parse<T>(schema: Schema<T>, res: TransportResponse): T {
  const parsed = schema.safeParse(res.body);
  if (!parsed.success) {
    throw new CartProtocolError(`unexpected answer (${res.status}): ${parsed.error.message}`);
  }
  return parsed.data;
}
