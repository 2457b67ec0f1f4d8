CREATE TABLE IF NOT EXISTS orders (
  order_id text PRIMARY KEY,
  email text NOT NULL,
  quantity integer NOT NULL CHECK (quantity >= 1),
  total numeric(12, 2) NOT NULL
);
