/**
 * Issue 10, finding 4: what a client can make the server keep through a cart is bounded.
 * Over real HTTP against the real server on SQLite (the file read behind its back):
 *
 * - the cart itself: a change or merge whose resulting cart, as answered, would pass
 *   MAX_CART_BYTES is refused whole with 422 CART_TOO_LARGE and changes nothing;
 * - its stored idempotent answers: at most MAX_IDEMPOTENT_ANSWERS_PER_CART per cart (the
 *   newest replay; an older key is applied again), each compressed before it is sealed,
 *   so N keyed changes of the largest cart store a bounded number of bytes.
 *
 * Before the fix a cart took 96 lines of long attributes (672 KB as answered), and every
 * keyed change stored the whole sealed answer: 20 PATCHes added 17.9 MB.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cart, Product } from '@cart/core';
import {
  cartPath,
  createCart,
  createProduct,
  expectCart,
  expectProblem,
  getCart,
  type Harness,
  type OpenCart,
} from '../contract/harness.ts';
import { HttpClient, type Reply } from '@cart/test-support/http.ts';
import { startTestServer, type TestServer } from '@cart/test-support/test-server.ts';

/** The defaults this file relies on (config.ts); answers per cart lowered to keep it quick. */
const MAX_CART_BYTES = 256 * 1024;
const ANSWERS_PER_CART = 10;

let server: TestServer;
let db: Database.Database;
const h: Harness = {
  get url() {
    return server.url;
  },
  get http() {
    return new HttpClient(server.url);
  },
  get adminToken() {
    return server.adminToken;
  },
};

beforeAll(async () => {
  server = await startTestServer({
    env: { MAX_IDEMPOTENT_ANSWERS_PER_CART: String(ANSWERS_PER_CART) },
  });
  db = new Database(server.databasePath, { readonly: true });
});
afterAll(async () => {
  db.close();
  await server.close();
});

/** Rows and payload bytes in idempotency_keys now. */
function stored(): { rows: number; bytes: number } {
  return db
    .prepare(
      'SELECT count(*) AS rows, coalesce(sum(length(payload)), 0) AS bytes FROM idempotency_keys',
    )
    .get() as { rows: number; bytes: number };
}

/**
 * Attributes as large as the per-line limits allow (20 names of 64 characters, values of
 * 256), distinct per line so that no two lines merge: about 7 KB a line as answered.
 */
function longAttributes(n: number): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (let a = 0; a < 20; a++)
    attributes[`${String(a).padStart(2, '0')}${'k'.repeat(62)}`] = `${n}-${a}-`.padEnd(256, 'v');
  return attributes;
}

let product: Product;
const bigProduct = async () =>
  (product ??= await createProduct(h, { name: `${'Long name '.repeat(20)}`.trim() }));

/** Adds large lines until a change is refused or `most` were added; the refusal, if any. */
async function fill(
  cart: OpenCart,
  most: number,
  from = 0,
): Promise<{ added: number; refusal: Reply | null }> {
  const p = await bigProduct();
  for (let i = 0; i < most; i++) {
    const reply = await h.http.post(cartPath(cart, '/lines'), {
      token: cart.token,
      body: { productId: p.id, quantity: 1, attributes: longAttributes(from + i) },
    });
    if (reply.status !== 200) return { added: i, refusal: reply };
  }
  return { added: most, refusal: null };
}

/** Asserts 422 CART_TOO_LARGE (failing with the status alone: an accepted cart is huge). */
function tooLarge(reply: Reply): ReturnType<typeof expectProblem> {
  expect(reply.status, `answered ${reply.status}, not 422`).toBe(422);
  return expectProblem(reply, 422, 'CART_TOO_LARGE');
}

const answeredBytes = async (cart: OpenCart) =>
  Buffer.byteLength((await h.http.get(cartPath(cart), { token: cart.token })).text);

describe('MAX_CART_BYTES: the cart as answered is bounded', () => {
  it('refuses the change that would pass it with 422 CART_TOO_LARGE, and changes nothing', async () => {
    const cart = await createCart(h);
    const { added, refusal } = await fill(cart, 96);
    expect(refusal, `${added} large lines were all accepted`).not.toBeNull();
    if (!refusal) return;
    expect(tooLarge(refusal).detail).toMatch(/too large/);
    // As full as it may be, and no fuller: one more line would have passed the bound.
    const size = await answeredBytes(cart);
    expect(size).toBeLessThanOrEqual(MAX_CART_BYTES);
    expect(size + Math.ceil(size / added)).toBeGreaterThan(MAX_CART_BYTES);
    const before: Cart = await getCart(h, cart);
    expect(before.version).toBe(1 + added);
    expect(before.lines).toHaveLength(added);

    // A batch, with an Idempotency-Key: refused the same way, nothing written, and the
    // refusal is what a retry of that key gets.
    const audit = () =>
      (db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n;
    const auditBefore = audit();
    const batch = () =>
      h.http.post(cartPath(cart, '/actions'), {
        token: cart.token,
        headers: { 'idempotency-key': `too-large-${cart.id}` },
        body: {
          actions: [900, 901].map((n) => ({
            type: 'addLine',
            productId: product.id,
            quantity: 1,
            attributes: longAttributes(n),
          })),
        },
      });
    tooLarge(await batch());
    const retried = await batch();
    tooLarge(retried);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect(await getCart(h, cart)).toEqual(before);
    expect(audit()).toBe(auditBefore);

    // Smaller changes still pass: the cart is not stuck at its bound.
    const line = before.lines[0]?.id ?? '';
    expectCart(await h.http.delete(cartPath(cart, `/lines/${line}`), { token: cart.token }));
    expect((await getCart(h, cart)).version).toBe(before.version + 1);
  });

  it('refuses a merge whose result would pass it: both carts stay as they were', async () => {
    const target = await createCart(h);
    const { added } = await fill(target, 30);
    expect(added).toBe(30);
    const source = await createCart(h);
    expect((await fill(source, 10, 100)).added).toBe(10);
    const [targetBefore, sourceBefore] = [await getCart(h, target), await getCart(h, source)];
    tooLarge(
      await h.http.post(cartPath(target, '/merge'), {
        token: target.token,
        body: { sourceCartId: source.id, sourceToken: source.token },
      }),
    );
    expect(await getCart(h, target)).toEqual(targetBefore);
    expect(await getCart(h, source)).toEqual(sourceBefore);
    expect(sourceBefore.status).toBe('active');
  });
});

describe('stored idempotent answers are bounded per cart', () => {
  const keyed = (cart: OpenCart, key: string, note: string, token = cart.token) =>
    h.http.patch(cartPath(cart), { token, headers: { 'idempotency-key': key }, body: { note } });

  it(`keeps the newest ${ANSWERS_PER_CART} answers of a cart; the newest key still replays`, async () => {
    const cart = await createCart(h);
    const start = stored();
    const changes = ANSWERS_PER_CART + 20;
    for (let i = 0; i < changes; i++) expectCart(await keyed(cart, `k-${i}`, `note ${i}`));
    expect(stored().rows - start.rows).toBe(ANSWERS_PER_CART);
    const after = await getCart(h, cart);
    expect(after.version).toBe(1 + changes);

    // The newest answers replay, changing nothing.
    const newest = await keyed(cart, `k-${changes - 1}`, `note ${changes - 1}`);
    expect(newest.headers.get('idempotent-replayed')).toBe('true');
    expect(expectCart(newest)).toMatchObject({ version: after.version });
    const oldestKept = await keyed(cart, `k-${changes - ANSWERS_PER_CART}`, 'note 20');
    expect(oldestKept.headers.get('idempotent-replayed')).toBe('true');
    expect((await getCart(h, cart)).version).toBe(after.version);

    // A key older than the newest answers is no longer known: applied again as new
    // (docs/api.md, Idempotency), and the bound holds.
    const forgotten = await keyed(cart, 'k-0', 'note 0');
    expect(forgotten.headers.get('idempotent-replayed')).toBeNull();
    expect(expectCart(forgotten)).toMatchObject({ version: after.version + 1, note: 'note 0' });
    expect(stored().rows - start.rows).toBe(ANSWERS_PER_CART);
  });

  it("does not let a stranger's refused requests push the owner's answers out", async () => {
    const cart = await createCart(h);
    for (let i = 0; i < 3; i++) expectCart(await keyed(cart, `mine-${i}`, `mine ${i}`));
    const stranger = 'x'.repeat(43);
    for (let i = 0; i < ANSWERS_PER_CART + 5; i++)
      expectProblem(await keyed(cart, `theirs-${i}`, 'hi', stranger), 404, 'CART_NOT_FOUND');
    const first = await keyed(cart, 'mine-0', 'mine 0');
    expect(first.headers.get('idempotent-replayed')).toBe('true');
    expect((await getCart(h, cart)).version).toBe(4);
  });

  it('stores a bounded, compressed number of bytes for N keyed changes of the largest cart', async () => {
    const cart = await createCart(h);
    await fill(cart, 40);
    const cartBytes = await answeredBytes(cart);
    expect(cartBytes).toBeGreaterThan(MAX_CART_BYTES * 0.9);
    const start = stored();
    const changes = 3 * ANSWERS_PER_CART;
    for (let i = 0; i < changes; i++) expectCart(await keyed(cart, `big-${i}`, `big ${i}`));
    const added = stored().bytes - start.bytes;
    // Whatever the content: at most ANSWERS_PER_CART sealed answers, each at most the
    // largest cart plus its status and headers, in base64url (4/3).
    const worstCase = ANSWERS_PER_CART * Math.ceil(((MAX_CART_BYTES + 1024) * 4) / 3);
    expect(added).toBeLessThanOrEqual(worstCase);
    // And compressed: these answers (long repeated attribute texts) shrink many times.
    const payloads = db
      .prepare('SELECT length(payload) AS n FROM idempotency_keys ORDER BY rowid DESC LIMIT ?')
      .all(ANSWERS_PER_CART) as { n: number }[];
    for (const { n } of payloads) expect(n).toBeLessThan(cartBytes / 4);
    console.info(
      `${changes} keyed changes of a ${cartBytes}-byte cart stored ${added} bytes in ${stored().rows - start.rows} rows`,
    );
  });
});
