/**
 * Carts as resources: creation (token, cookie, ETag), reading, who may read, conditional
 * GET, and the cart's own fields (note, email) with their normalization.
 */
import { describe, expect, it } from 'vitest';
import { CreatedCart, type Cart } from '@cart/core';
import {
  cartPath,
  createCart,
  expectCart,
  expectInvalidField,
  expectProblem,
  getCart,
  type Harness,
} from './harness.ts';

export function defineCartsContract(h: Harness): void {
  describe('POST /api/carts', () => {
    it('creates an empty cart: 201, the cart plus its token, ETag "1" and an HttpOnly cookie', async () => {
      const reply = await h.http.post<CreatedCart>('/api/carts');
      expect(reply.status, reply.text).toBe(201);
      const parsed = CreatedCart.safeParse(reply.body);
      expect(parsed.error?.issues ?? []).toEqual([]);
      const cart = reply.body;
      expect(cart.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(reply.headers.get('etag')).toBe('"1"');
      expect(cart).toMatchObject({
        version: 1,
        status: 'active',
        currency: 'USD',
        lines: [],
        discounts: [],
        note: '',
        email: null,
        itemCount: 0,
        subtotal: { amount: 0, currency: 'USD' },
        discountTotal: { amount: 0, currency: 'USD' },
        taxTotal: { amount: 0, currency: 'USD' },
        total: { amount: 0, currency: 'USD' },
        taxRateBps: 0,
        appliedActionIds: [],
      });
      expect(Date.parse(cart.expiresAt)).toBeGreaterThan(Date.parse(cart.createdAt));

      const cookie = reply.headers.getSetCookie().find((c) => c.startsWith('cart_token='));
      expect(cookie, reply.headers.getSetCookie().join('\n')).toBeDefined();
      const [pair, ...attributes] = (cookie ?? '').split(';').map((p) => p.trim());
      expect(pair).toBe(`cart_token=${cart.token}`);
      const lower = attributes.map((a) => a.toLowerCase());
      expect(lower).toContain('httponly');
      expect(lower).toContain('samesite=lax');
      expect(lower).toContain('path=/api');
    });

    it('accepts an empty JSON object as the body', async () => {
      const reply = await h.http.post<CreatedCart>('/api/carts', { body: {} });
      expect(reply.status, reply.text).toBe(201);
      expect(reply.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('refuses unknown fields in the body (400)', async () => {
      expectInvalidField(
        await h.http.post('/api/carts', { body: { currency: 'EUR' } }),
        'currency',
      );
      expectInvalidField(await h.http.post('/api/carts', { body: { status: 'merged' } }), 'status');
    });

    it('gives every cart its own id and token', async () => {
      const carts = await Promise.all([createCart(h), createCart(h), createCart(h)]);
      expect(new Set(carts.map((c) => c.id)).size).toBe(3);
      expect(new Set(carts.map((c) => c.token)).size).toBe(3);
    });
  });

  describe('GET /api/carts/:id', () => {
    it('reads the cart with its bearer token, with an ETag and without the token', async () => {
      const cart = await createCart(h);
      const reply = await h.http.get<Cart>(cartPath(cart), { token: cart.token });
      const read = expectCart(reply);
      expect(read.id).toBe(cart.id);
      expect(read.version).toBe(1);
      expect(reply.headers.get('etag')).toBe('"1"');
      expect(read).not.toHaveProperty('token');
      expect(reply.text).not.toContain(cart.token);
    });

    it('reads the cart with the cart_token cookie alone', async () => {
      const cart = await createCart(h);
      const reply = await h.http.get(cartPath(cart), {
        headers: { cookie: `cart_token=${cart.token}` },
      });
      expect(expectCart(reply).id).toBe(cart.id);
    });

    it('answers a missing or wrong token exactly like an unknown cart (404 CART_NOT_FOUND)', async () => {
      const cart = await createCart(h);
      const other = await createCart(h);
      const unknownId = `${cart.id.slice(0, -1)}${cart.id.endsWith('A') ? 'B' : 'A'}`;
      const replies = [
        await h.http.get(cartPath({ id: unknownId }), { token: cart.token }),
        await h.http.get(cartPath(cart)),
        await h.http.get(cartPath(cart), { token: other.token }),
        await h.http.get(cartPath(cart), { token: 'x'.repeat(43) }),
        await h.http.get(cartPath(cart), { headers: { cookie: `cart_token=${other.token}` } }),
        await h.http.get(cartPath(cart), { headers: { authorization: `Basic ${cart.token}` } }),
      ];
      const bodies = replies.map((reply) => {
        const {
          requestId: _r,
          instance: _i,
          ...rest
        } = expectProblem(reply, 404, 'CART_NOT_FOUND');
        // Only the id asked for may differ between an unknown cart and a known one.
        return JSON.parse(JSON.stringify(rest).replaceAll(unknownId, cart.id)) as unknown;
      });
      for (const body of bodies.slice(1)) expect(body).toEqual(bodies[0]);
    });

    it('refuses the token of one cart on another for changes too (404)', async () => {
      const cart = await createCart(h);
      const other = await createCart(h);
      expectProblem(
        await h.http.patch(cartPath(cart), { token: other.token, body: { note: 'hi' } }),
        404,
        'CART_NOT_FOUND',
      );
      expectProblem(
        await h.http.patch(cartPath(cart), { body: { note: 'hi' } }),
        404,
        'CART_NOT_FOUND',
      );
      expect((await getCart(h, cart)).version).toBe(1);
    });

    it('refuses a malformed id with 400 VALIDATION_FAILED', async () => {
      const cart = await createCart(h);
      for (const id of ['a'.repeat(65), 'a.b', 'a%20b', '%C3%A9t%C3%A9']) {
        expectProblem(
          await h.http.get(`/api/carts/${id}`, { token: cart.token }),
          400,
          'VALIDATION_FAILED',
        );
      }
    });

    it('answers 304 to If-None-Match with the current version, 200 otherwise', async () => {
      const cart = await createCart(h);
      const fresh = await h.http.get(cartPath(cart), {
        token: cart.token,
        headers: { 'if-none-match': '"1"' },
      });
      expect(fresh.status).toBe(304);
      expect(fresh.text).toBe('');
      expect(fresh.headers.get('etag')).toBe('"1"');

      await h.http.patch(cartPath(cart), { token: cart.token, body: { note: 'changed' } });
      const stale = await h.http.get(cartPath(cart), {
        token: cart.token,
        headers: { 'if-none-match': '"1"' },
      });
      expect(expectCart(stale).version).toBe(2);
    });
  });

  describe('PATCH /api/carts/:id', () => {
    it('sets the note and the email, one version per request', async () => {
      const cart = await createCart(h);
      const noted = expectCart(
        await h.http.patch(cartPath(cart), {
          token: cart.token,
          body: { note: 'Leave it at the door' },
        }),
      );
      expect(noted).toMatchObject({ version: 2, note: 'Leave it at the door', email: null });
      const both = expectCart(
        await h.http.patch(cartPath(cart), {
          token: cart.token,
          body: { note: '', email: ' Ada@Example.com ' },
        }),
      );
      expect(both).toMatchObject({ version: 3, note: '', email: 'Ada@Example.com' });
      const cleared = expectCart(
        await h.http.patch(cartPath(cart), { token: cart.token, body: { email: null } }),
      );
      expect(cleared).toMatchObject({ version: 4, email: null });
      expect(Date.parse(cleared.updatedAt)).toBeGreaterThanOrEqual(Date.parse(noted.updatedAt));
    });

    it('needs a note or an email, and refuses anything else', async () => {
      const cart = await createCart(h);
      expectProblem(
        await h.http.patch(cartPath(cart), { token: cart.token, body: {} }),
        400,
        'VALIDATION_FAILED',
      );
      for (const field of ['status', 'version', 'id', 'total']) {
        expectInvalidField(
          await h.http.patch(cartPath(cart), {
            token: cart.token,
            body: { note: 'x', [field]: field === 'version' ? 9 : 'checked_out' },
          }),
          field,
        );
      }
      expectInvalidField(
        await h.http.patch(cartPath(cart), { token: cart.token, body: { email: 'not an email' } }),
        'email',
      );
      expectInvalidField(
        await h.http.patch(cartPath(cart), {
          token: cart.token,
          body: { email: `${'a'.repeat(250)}@b.co` },
        }),
        'email',
      );
      expectInvalidField(
        await h.http.patch(cartPath(cart), { token: cart.token, body: { note: 42 } }),
        'note',
      );
      expect((await getCart(h, cart)).version).toBe(1);
    });

    it('refuses a note over 1000 characters instead of truncating it', async () => {
      const cart = await createCart(h);
      const reply = await h.http.patch(cartPath(cart), {
        token: cart.token,
        body: { note: 'x'.repeat(1001) },
      });
      expectInvalidField(reply, 'note');
      const read = await getCart(h, cart);
      expect(read).toMatchObject({ version: 1, note: '' });
    });

    it('counts the note after NFC and stripping: bidi and control characters go, newlines stay', async () => {
      const cart = await createCart(h);
      const decomposed = 'e\u0301'.repeat(1000); // 2000 code units, 1000 characters in NFC
      const nfc = expectCart(
        await h.http.patch(cartPath(cart), { token: cart.token, body: { note: decomposed } }),
      );
      expect(nfc.note).toBe('\u00e9'.repeat(1000));

      const withInvisibles = `${'y'.repeat(998)}\u202E\u2066\u0007ab`;
      const stripped = expectCart(
        await h.http.patch(cartPath(cart), { token: cart.token, body: { note: withInvisibles } }),
      );
      expect(stripped.note).toBe(`${'y'.repeat(998)}ab`);

      const spoof = expectCart(
        await h.http.patch(cartPath(cart), {
          token: cart.token,
          body: { note: 'Ring\tbell\r\nthen \u202Egnp.exe\u202C wait\u0000' },
        }),
      );
      expect(spoof.note).toBe('Ring\tbell\nthen gnp.exe wait');
      expect(spoof.note).not.toContain('\u202E');
      expect((await getCart(h, cart)).note).toBe(spoof.note);
    });
  });
}
