-- The PostgreSQL twin of sqlite/migrations/007_regions.sql (see 001_init.sql for the
-- differences in types and collations, and why): regions, shipping and currencies.

-- A handful of rows: listed whole, default first, then by creation. `countries` is the
-- JSON array the API speaks; region_countries below keeps it unique across regions.
CREATE TABLE regions (
  id            TEXT COLLATE "C" PRIMARY KEY,
  name          TEXT NOT NULL,
  currency      TEXT NOT NULL,
  countries     JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(countries) = 'array'),
  tax_rate_bps  INTEGER NOT NULL CHECK (tax_rate_bps BETWEEN 0 AND 10000),
  tax_inclusive BOOLEAN NOT NULL,
  is_default    BOOLEAN NOT NULL,
  created_at    TEXT COLLATE "C" NOT NULL,
  updated_at    TEXT COLLATE "C" NOT NULL
);
-- At most one default region: making another the default clears this one first, in the
-- same transaction (the adapter's writes).
CREATE UNIQUE INDEX regions_one_default ON regions (is_default) WHERE is_default;

-- One row per country a region lists, written with it: a country belongs to at most one region.
CREATE TABLE region_countries (
  country   TEXT COLLATE "C" PRIMARY KEY,
  region_id TEXT COLLATE "C" NOT NULL REFERENCES regions (id) ON DELETE CASCADE
);
CREATE INDEX region_countries_region ON region_countries (region_id);

-- No cascade: a region with options is not deleted (RegionInUseError).
CREATE TABLE shipping_options (
  id                 TEXT COLLATE "C" PRIMARY KEY,
  region_id          TEXT COLLATE "C" NOT NULL REFERENCES regions (id),
  name               TEXT NOT NULL,
  amount             BIGINT NOT NULL CHECK (amount >= 0),
  currency           TEXT NOT NULL,
  free_over_subtotal BIGINT CHECK (free_over_subtotal IS NULL OR free_over_subtotal >= 0),
  taxable            BOOLEAN NOT NULL,
  created_at         TEXT COLLATE "C" NOT NULL,
  updated_at         TEXT COLLATE "C" NOT NULL
);
CREATE INDEX shipping_options_region ON shipping_options (region_id);

-- A product's prices in currencies other than that of `price` (which keeps its columns),
-- as a JSON array of Money; a product stored before is sold in that currency only. It is
-- not shipped either: its orders never needed an address or a shipping option, and a shop
-- upgrading has no shipping options yet, so checkout keeps working until the operator
-- marks what ships (every write names the column; the default is for these rows only).
-- Constant defaults: no row is rewritten.
ALTER TABLE products
  ADD COLUMN prices JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(prices) = 'array'),
  ADD COLUMN requires_shipping BOOLEAN NOT NULL DEFAULT false;

-- The currency of a fixed value or a minimum subtotal: the code applies only to carts in
-- it; null for a percent code without a minimum (any currency). USD was the only
-- currency the server accepted before, so every amount stored is in it.
ALTER TABLE discounts ADD COLUMN currency TEXT;
UPDATE discounts SET currency = 'USD' WHERE kind = 'fixed' OR min_subtotal IS NOT NULL;

-- Every cart is in a region: those stored before are in the one a first start creates
-- ('default', from CURRENCY and TAX_RATE_BPS). Their lines and codes need nothing: the
-- fields they lack read as their defaults (rows.ts).
UPDATE carts SET state = state || jsonb_build_object('regionId', 'default')
  WHERE NOT (state ? 'regionId');
