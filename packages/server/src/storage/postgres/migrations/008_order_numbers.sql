-- The PostgreSQL twin of sqlite/migrations/008_order_numbers.sql: a short number people
-- read and quote ("#1042"), unique and increasing, beside the id (a UUID, still what the
-- API and URLs name an order by). Here several transactions check out at once, so a new
-- order's number comes from a sequence, taken when the checkout loads its cart: a
-- checkout that is then refused (or loads again) leaves a gap, as sequences do.
CREATE SEQUENCE order_numbers AS BIGINT;

ALTER TABLE orders ADD COLUMN number BIGINT;

-- The orders placed before, numbered in the order they were placed; the sequence goes on
-- after them.
UPDATE orders SET number = n.number
FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS number FROM orders) AS n
WHERE orders.id = n.id;
SELECT setval('order_numbers', coalesce(max(number), 0) + 1, false) FROM orders;

ALTER TABLE orders ALTER COLUMN number SET NOT NULL;
CREATE UNIQUE INDEX orders_number ON orders (number);
