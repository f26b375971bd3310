/** A realistic session payload: a user profile and a shopping cart, padded to about `bytes` of JSON. */
export interface SessionPayload {
  profile: { name: string; email: string; locale: string; roles: string[] };
  cart: Array<{ sku: string; title: string; qty: number; priceCents: number }>;
}

const TITLES = ['Espresso beans 1kg', 'Grinder burr set', 'Milk jug 600 ml', 'Descaler tablets', 'Tamper 58 mm', 'Café crème ✓'];

/** Builds a payload whose JSON encoding is within one cart line of `bytes` (never below ~150 bytes). */
export function makePayload(bytes: number, seed = 1): SessionPayload {
  const payload: SessionPayload = {
    profile: { name: `User ${seed}`, email: `user${seed}@example.test`, locale: 'de-CH', roles: ['customer'] },
    cart: [],
  };
  let size = Buffer.byteLength(JSON.stringify(payload));
  for (let i = 0; size < bytes; i++) {
    const line = { sku: `SKU-${seed}-${i}`, title: TITLES[i % TITLES.length] ?? 'item', qty: 1 + (i % 3), priceCents: 499 + i * 7 };
    size += Buffer.byteLength(JSON.stringify(line)) + 1;
    payload.cart.push(line);
  }
  return payload;
}
