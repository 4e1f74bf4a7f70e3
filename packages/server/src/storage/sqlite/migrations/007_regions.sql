-- Regions, shipping and currencies (issue 15): the countries that share a currency, a tax
-- rule and shipping options; products priced per currency; codes tied to a currency.

-- A handful of rows: listed whole, default first, then by creation. `countries` is the
-- JSON array the API speaks; region_countries below keeps it unique across regions.
CREATE TABLE regions (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  currency      TEXT NOT NULL,
  countries     TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(countries) AND json_type(countries) = 'array'),
  tax_rate_bps  INTEGER NOT NULL CHECK (tax_rate_bps BETWEEN 0 AND 10000),
  tax_inclusive INTEGER NOT NULL,
  is_default    INTEGER NOT NULL,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
);
-- At most one default region: making another the default clears this one first, in the
-- same transaction (the adapter's writes).
CREATE UNIQUE INDEX regions_one_default ON regions (is_default) WHERE is_default = 1;

-- One row per country a region lists, written with it: a country belongs to at most one region.
CREATE TABLE region_countries (
  country   TEXT PRIMARY KEY,
  region_id TEXT NOT NULL REFERENCES regions (id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX region_countries_region ON region_countries (region_id);

-- No cascade: a region with options is not deleted (RegionInUseError).
CREATE TABLE shipping_options (
  id                 TEXT PRIMARY KEY,
  region_id          TEXT NOT NULL REFERENCES regions (id),
  name               TEXT NOT NULL,
  amount             INTEGER NOT NULL CHECK (amount >= 0),
  currency           TEXT NOT NULL,
  free_over_subtotal INTEGER CHECK (free_over_subtotal IS NULL OR free_over_subtotal >= 0),
  taxable            INTEGER NOT NULL,
  created_at         TEXT NOT NULL,
  updated_at         TEXT NOT NULL
);
CREATE INDEX shipping_options_region ON shipping_options (region_id);

-- A product's prices in currencies other than that of `price` (which keeps its columns),
-- as a JSON array of Money; a product stored before is sold in that currency only. It is
-- not shipped either: its orders never needed an address or a shipping option, and a shop
-- upgrading has no shipping options yet, so checkout keeps working until the operator
-- marks what ships (every write names the column; the default is for these rows only).
ALTER TABLE products ADD COLUMN prices TEXT NOT NULL DEFAULT '[]';
ALTER TABLE products ADD COLUMN requires_shipping INTEGER NOT NULL DEFAULT 0;

-- The currency of a fixed value or a minimum subtotal: the code applies only to carts in
-- it; null for a percent code without a minimum (any currency). USD was the only
-- currency the server accepted before, so every amount stored is in it.
ALTER TABLE discounts ADD COLUMN currency TEXT;
UPDATE discounts SET currency = 'USD' WHERE kind = 'fixed' OR min_subtotal IS NOT NULL;

-- Every cart is in a region: those stored before are in the one a first start creates
-- ('default', from CURRENCY and TAX_RATE_BPS). Their lines and codes need nothing: the
-- fields they lack read as their defaults (rows.ts).
UPDATE carts SET state = json_set(state, '$.regionId', 'default')
  WHERE json_type(state, '$.regionId') IS NULL;
