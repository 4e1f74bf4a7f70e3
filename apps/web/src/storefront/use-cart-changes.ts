import { useMemo } from 'react';
import type { ShownLine } from '@cart/client';
import type { Address, CountryCode, CurrencyCode, Product } from '@cart/core';
import { useCartActions } from '@cart/react';
import { removedLines, UNDO_MS, type RemovedLine } from './removed-lines.ts';
import { useServices, type Services } from './services.tsx';

/**
 * Applies a promo code: clears the old promo refusal, queues the code, and says so.
 * Whether the server accepted it (never settles while offline). `saying` is what is
 * announced meanwhile, when the page applies a code the shopper did not just type (one
 * they tried before, now that the cart qualifies, or a switch). Outside React too: the
 * promo memory (promo-memory.ts) applies a code on whichever page the cart qualifies.
 */
export function applyPromoCode(
  { store, refusals, announcer }: Pick<Services, 'store' | 'refusals' | 'announcer'>,
  code: string,
  saying = `Applying promo code ${code.toUpperCase()}…`,
): Promise<boolean> {
  refusals.clear('promo');
  const accepted = store.actions.applyDiscount(code).then((result) => {
    if (result.ok) announcer.say(`Promo code ${code.toUpperCase()} applied.`);
    return result.ok;
  });
  announcer.say(saying);
  return accepted;
}

const items = (n: number) => `${n} ${n === 1 ? 'item' : 'items'}`;

/**
 * Focuses what `find` returns once it is in the page, for a few seconds at most; not if the
 * shopper has put the focus somewhere meanwhile.
 */
function focusWhenShown(find: () => HTMLElement | null, ms = 5000): void {
  const start = performance.now();
  const was = document.activeElement;
  const look = () => {
    if (document.activeElement !== was && document.activeElement !== document.body) return;
    const target = find();
    if (target) target.focus();
    else if (performance.now() - start < ms) requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
}

/**
 * The cart changes the pages make, each one: clears the old refusal of what it touches,
 * calls the SDK (which shows the change at once and queues it), and announces the
 * change in the status region ("Added Ceramic Mug. 3 items in your cart."). Refusals
 * are announced by the page (app.tsx) whichever tab or change they come from.
 */
export function useCartChanges() {
  const { store, refusals, announcer, catalog } = useServices();
  const actions = useCartActions();
  return useMemo(() => {
    const count = () => items(store.getSnapshot().cart?.itemCount ?? 0);
    const applyCode = (code: string, saying?: string) =>
      applyPromoCode({ store, refusals, announcer }, code, saying);
    return {
      add(product: Product, quantity = 1) {
        refusals.clear(`product:${product.id}`);
        void actions.addLine(product, quantity);
        const what = quantity === 1 ? product.name : `${quantity} × ${product.name}`;
        announcer.say(`Added ${what} to your cart. ${count()} in your cart.`);
      },
      setQuantity(line: ShownLine, quantity: number) {
        refusals.clear(`line:${line.id}`, `line:${line.key}`);
        void actions.setQuantity(line.id, quantity);
        announcer.say(`${line.name}: quantity ${quantity}. ${count()} in your cart.`);
      },
      /**
       * Removes a line; its list shows "Removed … Undo" in its place (cart-lines.tsx), as
       * tall as `item` (the line's element) was, and that Undo takes the focus.
       */
      remove(line: ShownLine, item: HTMLElement | null = null) {
        refusals.clear(`line:${line.id}`, `line:${line.key}`);
        const index = store.getSnapshot().cart?.lines.findIndex((l) => l.key === line.key) ?? -1;
        removedLines.add({
          line,
          index: Math.max(0, index),
          height: item?.offsetHeight ?? 0,
          until: Date.now() + UNDO_MS,
          focus: item !== null,
        });
        void actions.removeLine(line.id);
        announcer.say(
          `Removed ${line.name} from your cart. ${count()} in your cart. Undo is offered in its place.`,
        );
      },
      /** Adds a removed line back: the same product, quantity and attributes. */
      undoRemove({ line }: RemovedLine) {
        removedLines.drop(line.key);
        refusals.clear(`product:${line.productId}`);
        const attributes = Object.keys(line.attributes).length > 0 ? line.attributes : undefined;
        void actions.addLine(
          catalog.cached(line.productId) ?? line.productId,
          line.quantity,
          attributes,
        );
        announcer.say(`${line.name} is back in your cart. ${count()} in your cart.`);
        // Focus goes with the line: its "Remove", where the list shows it (the last), once
        // shown (at once when the product is known, else when the shop confirms the add).
        focusWhenShown(() => {
          const scope = document.querySelector('dialog[open]') ?? document;
          const label = `Remove ${line.name}`;
          const mine = [...scope.querySelectorAll<HTMLElement>('.line-remove')].filter(
            (b) => b.getAttribute('aria-label') === label,
          );
          return mine.at(-1) ?? null;
        });
      },
      applyCode,
      /** Takes `replaced` off the cart and applies `code` instead, in that order. */
      switchCode(replaced: readonly string[], code: string): Promise<boolean> {
        for (const old of replaced) void actions.removeDiscount(old);
        return applyCode(code, `Switching to promo code ${code}…`);
      },
      removeCode(code: string) {
        refusals.clear('promo');
        void actions.removeDiscount(code);
        announcer.say(`Promo code ${code} removed.`);
      },
      setNote(note: string) {
        refusals.clear('note');
        void actions.setNote(note);
        announcer.say('Note updated.');
      },
      setEmail(email: string | null) {
        refusals.clear('email');
        void actions.setEmail(email);
        announcer.say(email ? 'Email updated.' : 'Email removed.');
      },
      /** Moves the cart to the country's region: its prices and currency follow. */
      setCountry(country: CountryCode, name: string, currency: CurrencyCode) {
        refusals.clear('country');
        void actions.setCountry(country);
        announcer.say(`Shipping to ${name}. Prices are in ${currency}.`);
      },
      setShippingAddress(address: Address | null) {
        // An address moves the cart to its country, as a choice of country does.
        refusals.clear('address', 'country');
        void actions.setShippingAddress(address);
        announcer.say(address ? 'Shipping address saved.' : 'Shipping address removed.');
      },
      /** `label` is what the shopper chose, in words ("Express, £9.95"). */
      setShippingOption(id: string, label: string) {
        refusals.clear('shipping');
        void actions.setShippingOption(id);
        announcer.say(`Shipping method: ${label}.`);
      },
    };
  }, [store, refusals, announcer, catalog, actions]);
}
