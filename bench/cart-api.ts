/**
 * Setting up a scenario's data through the cart server's own HTTP API, as a shop would:
 * products through the admin API, carts and their lines through the cart routes. Runs in
 * the orchestrator before the load starts, so its speed is not measured. Every change
 * carries a fresh Idempotency-Key, as the load's own changes do.
 */
import { randomBytes, randomUUID } from 'node:crypto';

/** A cart made for the benchmark: its id, secret token and line ids in the order added. */
export interface BenchCart {
  id: string;
  token: string;
  lineIds: string[];
}

/** Most lines one setup batch adds (the server's MAX_BATCH_ACTIONS default is 100). */
const BATCH = 100;
/** Setup requests in flight at once. */
const PARALLEL = 8;

/** `make(0)` … `make(count - 1)`, at most `limit` at a time, results in order. */
export async function inParallel<T>(
  count: number,
  limit: number,
  make: (i: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await make(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}

export class CartApi {
  constructor(
    readonly base: string,
    private readonly adminToken: string,
  ) {}

  private async send(
    method: string,
    path: string,
    options: { token?: string; body?: unknown } = {},
  ): Promise<unknown> {
    const headers: Record<string, string> = {};
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (method !== 'GET') headers['idempotency-key'] = randomUUID();
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`setup: ${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as unknown;
  }

  /** `count` products of unlimited stock and no per-order cap: their ids. */
  async createProducts(count: number): Promise<string[]> {
    // Unique SKUs: the PostgreSQL database is shared by the run's scenarios.
    const tag = randomBytes(4).toString('hex');
    return inParallel(count, PARALLEL, async (i) => {
      const product = (await this.send('POST', '/api/admin/products', {
        token: this.adminToken,
        body: {
          sku: `BENCH-${tag}-${i}`,
          name: `Bench product ${i}`,
          description: '',
          price: { amount: 100 + i, currency: 'USD' },
          stock: null,
          maxPerOrder: null,
          imageUrl: null,
        },
      })) as { id: string };
      return product.id;
    });
  }

  async createCart(): Promise<{ id: string; token: string }> {
    const cart = (await this.send('POST', '/api/carts')) as { id: string; token: string };
    return { id: cart.id, token: cart.token };
  }

  /** Adds one line of `quantity` per product (in batches); the line ids, in product order. */
  async addLines(
    cart: { id: string; token: string },
    productIds: string[],
    quantity = 1,
  ): Promise<string[]> {
    let lines: { id: string; productId: string }[] = [];
    for (let from = 0; from < productIds.length; from += BATCH) {
      const actions = productIds
        .slice(from, from + BATCH)
        .map((productId) => ({ type: 'addLine', productId, quantity }));
      const answer = (await this.send('POST', `/api/carts/${cart.id}/actions`, {
        token: cart.token,
        body: { actions },
      })) as { lines: { id: string; productId: string }[] };
      lines = answer.lines;
    }
    const byProduct = new Map(lines.map((line) => [line.productId, line.id]));
    return productIds.map((productId) => {
      const id = byProduct.get(productId);
      if (id === undefined) throw new Error(`setup: no line for ${productId} in cart ${cart.id}`);
      return id;
    });
  }

  /**
   * Ships the cart to a US address by the demo shop's standard option (SEED_DEMO), as a
   * shopper at checkout does: the cart stays in the default region, priced in dollars.
   */
  async shipToUs(cart: { id: string; token: string }): Promise<void> {
    await this.send('PATCH', `/api/carts/${cart.id}`, {
      token: cart.token,
      body: {
        shippingAddress: {
          name: 'Bench Shopper',
          line1: '1 Main Street',
          line2: '',
          city: 'Springfield',
          postalCode: '10118',
          province: 'NY',
          country: 'US',
        },
      },
    });
    await this.send('PUT', `/api/carts/${cart.id}/shipping-option`, {
      token: cart.token,
      body: { shippingOptionId: 'us-standard' },
    });
  }

  /** `count` carts, each with one line of quantity 1 per product in `productIds`. */
  cartsWithLines(count: number, productIds: string[]): Promise<BenchCart[]> {
    return inParallel(count, PARALLEL, async () => {
      const cart = await this.createCart();
      const lineIds = productIds.length > 0 ? await this.addLines(cart, productIds) : [];
      return { ...cart, lineIds };
    });
  }
}
