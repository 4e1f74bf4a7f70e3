/**
 * The admin's read-only views: the audit log (one hash-chained record per accepted
 * change, never a secret in it), and the error and analytics summaries.
 */
import { describe, expect, it } from 'vitest';
import {
  addLine,
  cartPath,
  createCart,
  createProduct,
  expectProblem,
  listAll,
  type Harness,
  type Page,
} from './harness.ts';

interface AuditRecord {
  action: string;
  cartId: string;
  beforeVersion: number | null;
  afterVersion: number;
  requestId: string;
  hash: string;
  prevHash: string | null;
}

export function defineAuditContract(h: Harness): void {
  describe('GET /api/admin/audit', () => {
    it('records every accepted change of a cart, chained by hash, without the cart token', async () => {
      const product = await createProduct(h, { stock: 1 });
      const cart = await createCart(h);
      await addLine(h, cart, product.id, 1);
      await h.http.patch(cartPath(cart), { token: cart.token, body: { note: 'audited' } });
      // Refused changes are not recorded.
      const refused = await h.http.post(cartPath(cart, '/lines'), {
        token: cart.token,
        body: { productId: product.id, quantity: 5 },
      });
      expect(refused.status).toBe(409);
      await h.http.post(cartPath(cart, '/actions'), {
        token: cart.token,
        body: {
          actions: [
            { type: 'setNote', note: 'a' },
            { type: 'setEmail', email: 'a@b.co' },
          ],
        },
      });
      const checkout = await h.http.post(cartPath(cart, '/checkout'), { token: cart.token });
      expect(checkout.status, checkout.text).toBe(200);

      const page = await h.http.get<Page<AuditRecord>>(
        `/api/admin/audit?cartId=${cart.id}&limit=100`,
        { token: h.adminToken },
      );
      expect(page.status, page.text).toBe(200);
      expect(page.text).not.toContain(cart.token);
      expect(page.body.nextCursor).toBeNull();
      const records = page.body.items;
      expect(records.every((r) => r.cartId === cart.id)).toBe(true);
      // One record per version change 1→2 … 4→5; cart creation may be recorded too (→ 1).
      const changes = records
        .filter((r) => r.afterVersion > 1)
        .map((r) => [r.beforeVersion, r.afterVersion])
        .sort((a, b) => (a[1] ?? 0) - (b[1] ?? 0));
      expect(changes).toEqual([
        [1, 2],
        [2, 3],
        [3, 4],
        [4, 5],
      ]);
      expect(records.filter((r) => r.afterVersion <= 1).length).toBeLessThanOrEqual(1);
      for (const r of records) {
        expect(typeof r.action).toBe('string');
        expect(r.action.length).toBeGreaterThan(0);
        expect(typeof r.requestId).toBe('string');
        expect(typeof r.hash).toBe('string');
        expect(r.hash.length).toBeGreaterThanOrEqual(32);
        expect(r).toHaveProperty('prevHash');
      }
      expect(new Set(records.map((r) => r.hash)).size).toBe(records.length);
      expect(new Set(records.map((r) => r.requestId)).size).toBe(records.length);
    });

    it('pages with ?limit=&cursor= through every record of a cart exactly once', async () => {
      const cart = await createCart(h);
      for (let i = 0; i < 5; i += 1) {
        await h.http.patch(cartPath(cart), { token: cart.token, body: { note: `n${i}` } });
      }
      const first = await h.http.get<Page<AuditRecord>>(
        `/api/admin/audit?cartId=${cart.id}&limit=2`,
        {
          token: h.adminToken,
        },
      );
      expect(first.status, first.text).toBe(200);
      expect(first.body.items).toHaveLength(2);
      expect(typeof first.body.nextCursor).toBe('string');
      const records = await listAll<AuditRecord>(
        h,
        `/api/admin/audit?cartId=${cart.id}`,
        h.adminToken,
        2,
      );
      const versions = records.map((r) => r.afterVersion).filter((v) => v > 1);
      expect(versions.sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6]);
    });

    it('validates its query', async () => {
      expectProblem(
        await h.http.get('/api/admin/audit?cartId=bad.id', { token: h.adminToken }),
        400,
        'VALIDATION_FAILED',
      );
      expectProblem(
        await h.http.get('/api/admin/audit?limit=1000', { token: h.adminToken }),
        400,
        'VALIDATION_FAILED',
      );
    });
  });
}
