import { useMemo } from 'react';
import type { ShownLine } from '@cart/client';
import type { Product } from '@cart/core';
import { useCartActions } from '@cart/react';
import { useServices } from './services.tsx';

const items = (n: number) => `${n} ${n === 1 ? 'item' : 'items'}`;

/**
 * The cart changes the pages make, each one: clears the old refusal of what it touches,
 * calls the SDK (which shows the change at once and queues it), and announces the
 * change in the status region ("Added Ceramic Mug. 3 items in your cart."). Refusals
 * are announced by the page (app.tsx) whichever tab or change they come from.
 */
export function useCartChanges() {
  const { store, refusals, announcer } = useServices();
  const actions = useCartActions();
  return useMemo(() => {
    const count = () => items(store.getSnapshot().cart?.itemCount ?? 0);
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
      remove(line: ShownLine) {
        refusals.clear(`line:${line.id}`, `line:${line.key}`);
        void actions.removeLine(line.id);
        announcer.say(`Removed ${line.name} from your cart. ${count()} in your cart.`);
        // The focused button goes with its line: move focus to the cart's heading.
        requestAnimationFrame(() => {
          const heading =
            document.querySelector<HTMLElement>('dialog[open] [data-cart-heading]') ??
            document.querySelector<HTMLElement>('[data-cart-heading]');
          if (heading && !document.activeElement?.closest('li')) heading.focus();
        });
      },
      applyCode(code: string) {
        refusals.clear('promo');
        void actions.applyDiscount(code).then((result) => {
          if (result.ok) announcer.say(`Promo code ${code.toUpperCase()} applied.`);
        });
        announcer.say(`Applying promo code ${code.toUpperCase()}…`);
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
    };
  }, [store, refusals, announcer, actions]);
}
