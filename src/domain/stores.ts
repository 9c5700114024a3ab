// What the domain works on: the D1 database (through drizzle) and the KV namespace of session tokens.
import type { Db } from '../db/client.ts';

export interface Stores {
  db: Db;
  kv: KVNamespace;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
