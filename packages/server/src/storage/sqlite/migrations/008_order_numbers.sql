-- Order numbers (issue 16): a short number people read and quote ("#1042"), unique and
-- increasing, beside the id (a UUID, still what the API and URLs name an order by).
-- SQLite has one writer at a time: the adapter gives a new order max(number) + 1, read in
-- the mutation's transaction, so the numbers have no gaps here.

-- Every write names the column; the default is for the rows numbered just below.
ALTER TABLE orders ADD COLUMN number INTEGER NOT NULL DEFAULT 0;

-- The orders placed before, numbered in the order they were placed.
UPDATE orders SET number = (
  SELECT count(*) FROM orders o
  WHERE o.created_at < orders.created_at OR (o.created_at = orders.created_at AND o.id <= orders.id)
);

CREATE UNIQUE INDEX orders_number ON orders (number);
