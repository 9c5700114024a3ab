// The shards (contract §13.2): the D1 bindings that hold projects' users. `DB` is the
// default shard and the control database (projects, their origins and keys, and the
// directory: projects.shard); every other shard is a binding named SHARD_<name>
// (wrangler.toml, README "Shards"). A fresh clone has only DB.

/** The default shard, also the control database. */
export const DEFAULT_SHARD = 'DB';

/** Binding names that make a shard: DB, or SHARD_ followed by capitals, digits and underscores. */
export const SHARD_NAME = /^(?:DB|SHARD_[A-Z0-9_]{1,40})$/;

/** The shard bindings in `env`, DB first, then by name (the order every job walks them in). */
export function shardDatabases(env: Env): Map<string, D1Database> {
  const bindings = env as unknown as Record<string, unknown>;
  const names = Object.keys(bindings)
    .filter((name) => name !== DEFAULT_SHARD && SHARD_NAME.test(name) && isD1(bindings[name]))
    .sort();
  return new Map([DEFAULT_SHARD, ...names].map((name) => [name, bindings[name] as D1Database]));
}

/** The shard's binding; a directory entry naming a shard this deployment lacks is a configuration error. */
export function shardDatabase(env: Env, shard: string): D1Database {
  const found = SHARD_NAME.test(shard) ? (env as unknown as Record<string, unknown>)[shard] : undefined;
  if (!isD1(found)) throw new Error(`shard ${shard} is not bound: add it to wrangler.toml's [[d1_databases]]`);
  return found;
}

function isD1(value: unknown): value is D1Database {
  return typeof (value as D1Database | undefined)?.withSession === 'function';
}
