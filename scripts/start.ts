// `npm start`: the service on the embedded default (scripts/install.ts has installed
// dependencies). Applies local D1 migrations, makes sure a development project and API key
// exist (printing them) and .dev.vars holds a WEBHOOK_SECRET_KEY and a JWT_SECRET, then serves with `wrangler dev` on PORT (default 8787).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyExistsSql, projectExistsSql } from '../src/db/admin-sql.ts';
import { createKeySql, createProjectSql } from '../src/domain/admin.ts';
import { ROOT, applyMigrations, bin, ensureDevJwtSecret, ensureDevSecretKey, execute, type Target } from './lib/tools.ts';

const PORT = process.env.PORT || '8787';
const PROJECT_ID = 'dev';
// Kept next to the local database, so deleting .wrangler/ resets both together.
const CREDENTIALS = join(ROOT, '.wrangler', 'dev-credentials.json');

interface Credentials {
  projectId: string;
  keyId: string;
  secret: string;
}

function devCredentials(target: Target): Credentials {
  if (execute(projectExistsSql(PROJECT_ID), target).length === 0) {
    execute(createProjectSql(PROJECT_ID, 'Development', [`http://localhost:${PORT}`, `http://127.0.0.1:${PORT}`]), target);
  }
  if (existsSync(CREDENTIALS)) {
    const saved = JSON.parse(readFileSync(CREDENTIALS, 'utf8')) as Credentials;
    if (execute(keyExistsSql(saved.projectId, saved.keyId), target).length > 0) return saved;
  }
  const { sql, id, secret } = createKeySql(PROJECT_ID, 'development', ['users.read', 'users.write']);
  execute(sql, target);
  const credentials = { projectId: PROJECT_ID, keyId: id, secret };
  writeFileSync(CREDENTIALS, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
  return credentials;
}

const target: Target = { remote: false };
await applyMigrations(target);
// Webhook signing secrets are stored encrypted with it; wrangler dev reads it from .dev.vars.
await ensureDevSecretKey();
// JWTs (POST /v1/users/{userId}/jwts) are signed with it.
ensureDevJwtSecret();
const credentials = devCredentials(target);
console.log(`
Users service (Appwrite 0.6 API), local development
  endpoint   http://127.0.0.1:${PORT}/v1   (or http://localhost:${PORT}/v1)
  project    ${credentials.projectId}
  API key    ${credentials.secret}
  scopes     users.read, users.write
  console    http://127.0.0.1:${PORT}/console   (sign in with the project and key above)

  curl -H 'X-Appwrite-Project: ${credentials.projectId}' -H 'X-Appwrite-Key: ${credentials.secret}' http://127.0.0.1:${PORT}/v1/users
`);

// Listen on every address so both 127.0.0.1 and localhost (which may resolve to ::1) work.
const dev = spawn(bin('wrangler'), ['dev', '--port', PORT, '--ip', '*', ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => dev.kill(signal));
dev.on('exit', (code) => process.exit(code ?? 0));
