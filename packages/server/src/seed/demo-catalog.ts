import type { DiscountInput, Product } from '@cart/core';
import type { AuditEntry, Storage } from '../storage/port.ts';

const usd = (amount: number) => ({ amount, currency: 'USD' as const });

type Demo = Omit<Product, 'price' | 'description' | 'imageUrl'> & {
  price: number;
  description: string;
};

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
    name: 'Gift Card $25',
    description: 'Delivered by email.',
    price: 2500,
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
  let tick = 0;
  const audit = (action: string, detail: Record<string, unknown>): AuditEntry => ({
    at: new Date(now.getTime() + tick++).toISOString(),
    actorType: 'system',
    actorId: null,
    requestId: null,
    clientAddress: null,
    action,
    cartId: null,
    beforeVersion: null,
    afterVersion: null,
    detail,
  });
  return storage.seedCatalog({
    products: PRODUCTS.map((p) => ({
      product: { ...p, price: usd(p.price), imageUrl: null },
      audit: audit('seed.product.create', { productId: p.id, sku: p.sku }),
    })),
    discounts: DISCOUNTS.map((d) => ({
      discount: d,
      audit: audit('seed.discount.create', { code: d.code }),
    })),
  });
}
