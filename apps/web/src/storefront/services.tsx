import { createContext, useContext, type ReactNode } from 'react';
import type { CartStore } from '@cart/client';
import type { Announcer } from './announcer.tsx';
import type { Catalog } from './catalog.ts';
import type { PromoMemory } from './promo-memory.ts';
import type { RefusalLog } from './refusals.ts';
import type { Regions } from './regions.ts';

/** What the storefront's views share: made once per page in main.tsx. */
export interface Services {
  store: CartStore;
  catalog: Catalog;
  refusals: RefusalLog;
  /** Promo codes refused for now, compared with the cart as it changes. */
  promos: PromoMemory;
  announcer: Announcer;
  regions: Regions;
}

const ServicesContext = createContext<Services | null>(null);

export function ServicesProvider({
  services,
  children,
}: {
  services: Services;
  children: ReactNode;
}) {
  return <ServicesContext value={services}>{children}</ServicesContext>;
}

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices must be used inside <ServicesProvider>');
  return services;
}
