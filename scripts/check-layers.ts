// CI check that imports inside src/ run one way: routes → http/schemas → domain → db/kv
// (README, "Where things are"). A module may import its own layer and the layers listed
// for it; src/index.ts, the entry, wires everything together.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT } from './lib/tools.ts';

const ALLOWED: Record<string, string[]> = {
  routes: ['http', 'schemas', 'openapi', 'domain'],
  openapi: ['http', 'schemas'],
  http: ['schemas', 'domain', 'db', 'kv'],
  schemas: ['domain'],
  domain: ['db', 'kv'],
  db: [],
  kv: [],
};

const SRC = join(ROOT, 'src');
const layerOf = (file: string) => relative(SRC, file).split('/')[0]!;
const violations: string[] = [];
for (const entry of readdirSync(SRC, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
  const file = join(entry.parentPath, entry.name);
  const layer = layerOf(file);
  if (!(layer in ALLOWED)) continue; // src/index.ts
  for (const [, spec] of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\b[^'"]*?from\s+['"](\.[^'"]+)['"]/gm)) {
    const target = resolve(dirname(file), spec!);
    if (!target.startsWith(SRC + '/')) continue; // package.json and the like
    const to = layerOf(target);
    if (to !== layer && !ALLOWED[layer]!.includes(to)) violations.push(`${relative(ROOT, file)} imports ${relative(ROOT, target)} (${layer} → ${to})`);
  }
}
if (violations.length > 0) {
  console.error(
    `Imports against the layering (${Object.entries(ALLOWED)
      .map(([l, to]) => `${l} → ${to.join('/') || 'itself'}`)
      .join('; ')}):`,
  );
  for (const v of violations) console.error(`  ${v}`);
  process.exit(1);
}
console.error('layers: every import in src/ runs one way');
