/**
 * The acknowledged-write ledger: every change the server acknowledged (2xx), with the
 * cart version it answered and the cart as it answered it, checked at the end against
 * the carts as a freshly restarted server reads them.
 *
 * Each cart has exactly one writer (its shopper), which sends one change at a time and
 * retries a change until its outcome is known. So the cart's acknowledged versions
 * increase, and when the shopper's last change was acknowledged, the cart must now be
 * exactly as that answer showed it: same version, lines (id, product, quantity, price,
 * attributes), codes, note, email, status and applied action ids. Nothing else changes a
 * cart here (no catalog edits, so no re-pricing; no merges; expiry is 30 days away).
 *
 * A change given up on while its outcome was unknown may or may not have been applied;
 * its shopper then leaves the cart, and that cart is checked only as far as that allows:
 * every acknowledged version is still there, at most one more version exists, and if
 * none does, the state is still the last acknowledged one. So no check can be failed by
 * a retry that the server correctly applied once.
 */
import type { Cart } from '@cart/core';

interface Entry {
  id: string;
  token: string;
  /** Versions answered to acknowledged changes (creation included), in order. */
  acked: number[];
  lastVersion: number;
  lastState: Snapshot;
  /** Changes given up on with an unknown outcome (0 or 1: the shopper then leaves). */
  unknown: number;
}

type Snapshot = ReturnType<typeof snapshot>;

/** What the last acknowledged change fixes about a cart (the computed totals follow). */
export function snapshot(cart: Cart) {
  const sortedEntries = (record: Record<string, string>) =>
    Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    version: cart.version,
    status: cart.status,
    lines: cart.lines
      .map((l) => ({
        id: l.id,
        productId: l.productId,
        quantity: l.quantity,
        unitPrice: l.unitPrice.amount,
        attributes: sortedEntries(l.attributes),
      }))
      .sort((a, b) => (a.id < b.id ? -1 : 1)),
    discounts: cart.discounts.map((d) => d.code).sort(),
    note: cart.note,
    email: cart.email,
    appliedActionIds: cart.appliedActionIds,
  };
}

/** The fields in which two snapshots differ, shortly (for a failure message). */
function difference(expected: Snapshot, actual: Snapshot): string {
  return (Object.keys(expected) as (keyof Snapshot)[])
    .filter((k) => JSON.stringify(expected[k]) !== JSON.stringify(actual[k]))
    .map(
      (k) =>
        `${k}: acknowledged ${JSON.stringify(expected[k]).slice(0, 160)}, now ${JSON.stringify(actual[k]).slice(0, 160)}`,
    )
    .join('; ');
}

export interface LedgerReport {
  carts: number;
  acknowledgedWrites: number;
  /** Acknowledged changes whose effect is not in the final cart. Must be 0. */
  lost: number;
  /** Carts with more versions than their shopper's changes explain (applied twice?). */
  unexplainedChanges: number;
  /** Reads during the load that showed an older version than one already acknowledged. */
  staleReads: number;
  cartsWithUnknownOutcome: number;
  /** Carts the final check could not read (no answer): counted as failures. */
  unreadable: number;
  /** The first 20 problems, in words. */
  problems: string[];
}

/** A cart as read at the end: the cart, null for 404, or why it could not be read. */
export type FinalRead = Cart | null | { error: string };

export class Ledger {
  private readonly carts = new Map<string, Entry>();
  private staleReads = 0;
  private readonly problems: string[] = [];

  private problem(text: string): void {
    if (this.problems.length < 20) this.problems.push(text);
  }

  created(cart: Cart, token: string): void {
    this.carts.set(cart.id, {
      id: cart.id,
      token,
      acked: [cart.version],
      lastVersion: cart.version,
      lastState: snapshot(cart),
      unknown: 0,
    });
  }

  acknowledged(cart: Cart): void {
    const entry = this.carts.get(cart.id);
    if (!entry) return;
    if (cart.version < entry.lastVersion)
      this.problem(
        `cart ${cart.id}: acknowledged version ${cart.version} after ${entry.lastVersion}`,
      );
    entry.acked.push(cart.version);
    entry.lastVersion = cart.version;
    entry.lastState = snapshot(cart);
  }

  unknown(cartId: string): void {
    const entry = this.carts.get(cartId);
    if (entry) entry.unknown += 1;
  }

  /** A read made between the shopper's own changes must show at least its last ack. */
  read(cart: Cart): void {
    const entry = this.carts.get(cart.id);
    if (!entry || cart.version >= entry.lastVersion) return;
    this.staleReads += 1;
    this.problem(
      `cart ${cart.id}: read version ${cart.version} after version ${entry.lastVersion} was acknowledged`,
    );
  }

  /** Reads every cart with `readCart` (8 at a time) and checks it; see the header. */
  async verify(readCart: (id: string, token: string) => Promise<FinalRead>): Promise<LedgerReport> {
    const report: LedgerReport = {
      carts: this.carts.size,
      acknowledgedWrites: 0,
      lost: 0,
      unexplainedChanges: 0,
      staleReads: this.staleReads,
      cartsWithUnknownOutcome: 0,
      unreadable: 0,
      problems: this.problems,
    };
    const entries = [...this.carts.values()];
    let next = 0;
    const worker = async () => {
      for (let entry = entries[next++]; entry; entry = entries[next++]) {
        const final = await readCart(entry.id, entry.token);
        this.check(entry, final, report);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    return report;
  }

  private check(entry: Entry, final: FinalRead, report: LedgerReport): void {
    report.acknowledgedWrites += entry.acked.length;
    if (entry.unknown > 0) report.cartsWithUnknownOutcome += 1;
    if (final === null) {
      report.lost += entry.acked.length;
      this.problem(`cart ${entry.id}: gone (404), ${entry.acked.length} acknowledged writes`);
      return;
    }
    if ('error' in final) {
      report.unreadable += 1;
      this.problem(`cart ${entry.id}: could not be read: ${final.error}`);
      return;
    }
    let lost = entry.acked.filter((v) => v > final.version).length;
    if (lost > 0)
      this.problem(
        `cart ${entry.id}: version ${final.version}, but ${entry.lastVersion} was acknowledged`,
      );
    if (final.version > entry.lastVersion + entry.unknown) {
      report.unexplainedChanges += 1;
      this.problem(
        `cart ${entry.id}: version ${final.version}, but its shopper's changes explain ${entry.lastVersion + entry.unknown} at most`,
      );
    } else if (final.version === entry.lastVersion) {
      const diff = difference(entry.lastState, snapshot(final));
      if (diff !== '') {
        lost = Math.max(lost, 1);
        this.problem(`cart ${entry.id}: differs from its last acknowledged answer: ${diff}`);
      }
    }
    report.lost += lost;
  }
}
