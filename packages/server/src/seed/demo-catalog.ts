import type { DiscountInput, Money, Product, Region, ShippingOption } from '@cart/core';
import type { Storage } from '../storage/port.ts';
import { seedAuditor } from './regions.ts';

/**
 * The demo shop's regions: the United States (the default, in USD, tax added at
 * checkout, at 0 as the demo has no US tax rate), Europe and the United Kingdom (in EUR
 * and GBP, 20% tax included in the prices).
 */
export const DEMO_REGIONS: Region[] = [
  {
    id: 'us',
    name: 'United States',
    currency: 'USD',
    countries: ['US'],
    taxRateBps: 0,
    taxInclusive: false,
    default: true,
  },
  {
    id: 'eu',
    name: 'Europe',
    currency: 'EUR',
    countries: ['DE', 'FR', 'NL', 'BE', 'AT', 'IE', 'IT', 'ES'],
    taxRateBps: 2000,
    taxInclusive: true,
    default: false,
  },
  {
    id: 'uk',
    name: 'United Kingdom',
    currency: 'GBP',
    countries: ['GB'],
    taxRateBps: 2000,
    taxInclusive: true,
    default: false,
  },
];

const NAMES = { standard: 'Standard', express: 'Express' } as const;

const option = (
  region: Region,
  speed: keyof typeof NAMES,
  amount: number,
  freeOverSubtotal: number | null,
): ShippingOption => ({
  id: `${region.id}-${speed}`,
  regionId: region.id,
  name: NAMES[speed],
  amount: { amount, currency: region.currency },
  freeOverSubtotal,
  taxable: true,
});

const [US, EU, UK] = DEMO_REGIONS as [Region, Region, Region];

/** Two ways to ship in each demo region: standard (free over a subtotal) and express. */
export const DEMO_SHIPPING_OPTIONS: ShippingOption[] = [
  option(US, 'standard', 500, 5000),
  option(US, 'express', 1500, null),
  option(EU, 'standard', 450, 5000),
  option(EU, 'express', 1200, null),
  option(UK, 'standard', 399, 4000),
  option(UK, 'express', 995, null),
];

/** EUR and GBP per USD, in hundredths: fixed, so the demo prices never change. */
const PER_USD = { EUR: 95, GBP: 80 } as const;

/**
 * A USD price in EUR or GBP: converted, rounded to whole units, less one cent (a US
 * price of $14.00 is €12.99 and £10.99). Deterministic: integer arithmetic only.
 */
const localPrice = (usdCents: number, currency: keyof typeof PER_USD): Money => ({
  amount: Math.max(Math.round((usdCents * PER_USD[currency]) / 10_000), 1) * 100 - 1,
  currency,
});

type Demo = Omit<Product, 'price' | 'prices' | 'requiresShipping' | 'description' | 'imageUrl'> & {
  /** In USD cents; EUR and GBP follow from it (localPrice) unless `prices` says otherwise. */
  price: number;
  description: string;
  prices?: Money[];
  requiresShipping?: false;
};

/** A demo product as the catalog holds it: priced in USD, EUR and GBP. */
function product({ price, prices, requiresShipping, ...rest }: Demo): Product {
  const usd: Money = { amount: price, currency: 'USD' };
  return {
    ...rest,
    price: usd,
    prices: prices ?? [usd, localPrice(price, 'EUR'), localPrice(price, 'GBP')],
    requiresShipping: requiresShipping ?? true,
    imageUrl: null,
  };
}

/** A small shop: about twenty products with a mix of unlimited, scarce and limited stock. */
const PRODUCTS: Demo[] = [
  {
    id: 'ceramic-mug',
    sku: 'MUG-CER-01',
    name: 'Ceramic Mug',
    description: 'Stoneware mug, 350 ml, dishwasher safe.',
    price: 1400,
    stock: 120,
    maxPerOrder: null,
  },
  {
    id: 'pour-over-kettle',
    sku: 'KET-POUR-01',
    name: 'Pour-over Kettle',
    description: 'Gooseneck kettle, 1 l, stainless steel.',
    price: 5900,
    stock: 25,
    maxPerOrder: 2,
  },
  {
    id: 'coffee-beans-house',
    sku: 'BEAN-HOUSE-250',
    name: 'House Blend Beans',
    description: 'Medium roast, 250 g, notes of cocoa and plum.',
    price: 1250,
    stock: null,
    maxPerOrder: 20,
  },
  {
    id: 'coffee-beans-ethiopia',
    sku: 'BEAN-ETH-250',
    name: 'Ethiopia Guji Beans',
    description: 'Light roast, 250 g, jasmine and bergamot.',
    price: 1650,
    stock: 40,
    maxPerOrder: 10,
  },
  {
    id: 'hand-grinder',
    sku: 'GRD-HAND-01',
    name: 'Hand Grinder',
    description: 'Conical steel burrs, 30 g capacity.',
    price: 8900,
    stock: 12,
    maxPerOrder: 1,
  },
  {
    id: 'paper-filters',
    sku: 'FLT-PAPER-100',
    name: 'Paper Filters (100)',
    description: 'Unbleached cone filters, size 02.',
    price: 650,
    stock: null,
    maxPerOrder: null,
  },
  {
    id: 'glass-dripper',
    sku: 'DRP-GLASS-02',
    name: 'Glass Dripper',
    description: 'Heat-resistant glass cone, size 02.',
    price: 2400,
    stock: 30,
    maxPerOrder: null,
  },
  {
    id: 'digital-scale',
    sku: 'SCL-DIG-01',
    name: 'Digital Scale',
    description: '0.1 g resolution with a built-in timer.',
    price: 3500,
    stock: 18,
    maxPerOrder: null,
  },
  {
    id: 'tea-sencha',
    sku: 'TEA-SENCHA-100',
    name: 'Sencha Green Tea',
    description: 'Loose leaf, 100 g, first flush.',
    price: 1100,
    stock: 60,
    maxPerOrder: null,
  },
  {
    id: 'tea-earl-grey',
    sku: 'TEA-EARL-100',
    name: 'Earl Grey Tea',
    description: 'Black tea with bergamot oil, 100 g.',
    price: 950,
    stock: 75,
    maxPerOrder: null,
  },
  {
    id: 'teapot-cast-iron',
    sku: 'POT-IRON-01',
    name: 'Cast Iron Teapot',
    description: 'Enamelled inside, 800 ml, with infuser.',
    price: 6400,
    stock: 8,
    maxPerOrder: 2,
  },
  {
    id: 'travel-tumbler',
    sku: 'TMB-TRAVEL-01',
    name: 'Travel Tumbler',
    description: 'Vacuum insulated, 470 ml, leak-proof lid.',
    price: 2800,
    stock: 50,
    maxPerOrder: null,
  },
  {
    id: 'espresso-cups',
    sku: 'CUP-ESP-2',
    name: 'Espresso Cups (pair)',
    description: 'Double-walled glass, 80 ml each.',
    price: 1900,
    stock: 35,
    maxPerOrder: null,
  },
  {
    id: 'milk-frother',
    sku: 'FRT-MILK-01',
    name: 'Milk Frother',
    description: 'Battery powered whisk with stand.',
    price: 1500,
    stock: 45,
    maxPerOrder: null,
  },
  {
    id: 'cold-brew-jar',
    sku: 'JAR-COLD-1L',
    name: 'Cold Brew Jar',
    description: '1 l glass jar with a fine mesh filter.',
    price: 3200,
    stock: 20,
    maxPerOrder: null,
  },
  {
    id: 'linen-tea-towel',
    sku: 'TWL-LINEN-01',
    name: 'Linen Tea Towel',
    description: 'Stonewashed linen, 50 × 70 cm.',
    price: 1200,
    stock: null,
    maxPerOrder: null,
  },
  {
    id: 'gift-card-25',
    sku: 'GIFT-25',
    name: 'Gift Card 25',
    description: 'Worth 25 in the currency of your region. Delivered by email.',
    price: 2500,
    // Its face value in each currency, and nothing to ship.
    prices: [
      { amount: 2500, currency: 'USD' },
      { amount: 2500, currency: 'EUR' },
      { amount: 2500, currency: 'GBP' },
    ],
    requiresShipping: false,
    stock: null,
    maxPerOrder: 5,
  },
  {
    id: 'limited-print',
    sku: 'PRT-LTD-01',
    name: 'Limited Edition Print',
    description: 'Signed risograph print, A3. Only a few left.',
    price: 4500,
    stock: 3,
    maxPerOrder: 1,
  },
  {
    id: 'honey-jar',
    sku: 'HNY-WILD-250',
    name: 'Wildflower Honey',
    description: 'Raw honey, 250 g jar.',
    price: 900,
    stock: 90,
    maxPerOrder: null,
  },
  {
    id: 'biscotti',
    sku: 'BSC-ALM-200',
    name: 'Almond Biscotti',
    description: 'Twice-baked, 200 g bag.',
    price: 700,
    stock: 0,
    maxPerOrder: null,
  },
];

const DISCOUNTS: DiscountInput[] = [
  {
    code: 'WELCOME10',
    kind: 'percent',
    value: 1000,
    minSubtotal: null,
    startsAt: null,
    endsAt: null,
    usageLimit: null,
    combinable: true,
    currency: null,
  },
  {
    code: 'SAVE5',
    kind: 'fixed',
    value: 500,
    minSubtotal: 3000,
    startsAt: null,
    endsAt: null,
    usageLimit: null,
    combinable: true,
    // Amounts: US carts only.
    currency: 'USD',
  },
  {
    code: 'BIGSPENDER',
    kind: 'percent',
    value: 2000,
    minSubtotal: 15000,
    startsAt: null,
    endsAt: null,
    usageLimit: 100,
    combinable: false,
    currency: 'USD',
  },
  {
    code: 'EXPIRED',
    kind: 'percent',
    value: 5000,
    minSubtotal: null,
    startsAt: '2020-01-01T00:00:00.000Z',
    endsAt: '2020-02-01T00:00:00.000Z',
    usageLimit: null,
    combinable: true,
    currency: null,
  },
];

/**
 * Fills an empty catalog with the demo shop (SEED_DEMO), in one transaction with its
 * audit records, so that a crash leaves no half catalog and, of instances starting
 * together, one seeds; does nothing to a catalog that has products (false). A code that
 * exists already is left as it is.
 */
export function seedDemoCatalog(storage: Storage, now = new Date()): Promise<boolean> {
  // One millisecond apart, so that the catalog lists in the order written here.
  const audit = seedAuditor(now);
  return storage.seedCatalog({
    products: PRODUCTS.map((p) => ({
      product: product(p),
      audit: audit('seed.product.create', { productId: p.id, sku: p.sku }),
    })),
    discounts: DISCOUNTS.map((d) => ({
      discount: d,
      audit: audit('seed.discount.create', { code: d.code }),
    })),
  });
}
