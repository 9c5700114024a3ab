// Bring users in, take them out (contract §9.3), with the real admin CLI and a real
// `wrangler dev` on a fresh state directory of this file's own: import JSON Lines, a
// Firebase auth:export file and Supabase auth.users rows; sign in with the original
// passwords; export; import the export into an empty project; the second export is
// the first one byte for byte (ids, emails, names, registration, status,
// verification, prefs, order, hashes), the HTTP export says the same, and the same
// passwords sign in. The CLI writes the database file directly, so the server is
// stopped while it runs.
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT } from '../../scripts/lib/tools.ts';
import { freePort, startServer, stop, waitForHealth } from './server.ts';

const execFileAsync = promisify(execFile);
const stateDir = mkdtempSync(join(tmpdir(), 'edge-users-migration-'));
const files = (name: string) => join(stateDir, name);
let server: ChildProcess | undefined;
let endpoint = '';
let port = 0;

async function admin(...args: string[]) {
  const { stdout, stderr } = await execFileAsync(process.execPath, ['scripts/admin.ts', ...args, '--persist-to', stateDir], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    stdout,
    errors: stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line)),
  };
}

async function start() {
  server = startServer(port, stateDir);
  await waitForHealth(server, endpoint);
}

async function halt() {
  if (server) await stop(server);
  server = undefined;
}

async function api(project: string, path: string, init: { method?: string; body?: unknown; key?: string } = {}) {
  const response = await fetch(`${endpoint}${path}`, {
    method: init.method ?? 'GET',
    headers: { 'content-type': 'application/json', 'x-appwrite-project': project, ...(init.key && { 'x-appwrite-key': init.key }) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

const signIn = (project: string, email: string, password: string) => api(project, '/account/sessions', { method: 'POST', body: { email, password } });

// Every user of the three files and the password that must sign them in (null: imported without a hash).
const PASSWORDS: Record<string, string | null> = {
  'ada@example.com': 'rasmuslerdorf', // bcrypt $2y$ (PHP manual)
  'wp@example.com': 'JohnRipper', // WordPress $P$ (passlib)
  'md5@example.com': 'password',
  'nohash@example.com': null,
  'same.second.1@example.com': 'password',
  'same.second.2@example.com': 'password',
  'user1@firebase.test': 'user1password', // firebase/scrypt README vector
  'sb@example.com': 'supabase-pass',
  'banned@example.com': 'supabase-pass',
};

beforeAll(async () => {
  port = await freePort();
  endpoint = `http://127.0.0.1:${port}/v1`;
  await admin('project', 'create', 'source');
  await admin('project', 'create', 'target');
  const supabaseHash = await bcrypt.hash('supabase-pass', 10); // Go's bcrypt writes $2a$10$
  const md5 = '5f4dcc3b5aa765d61d8327deb882cf99';
  writeFileSync(
    files('ours.jsonl'),
    [
      {
        userId: 'ada.lovelace-1',
        email: 'ada@example.com',
        name: 'Ada Lovelace',
        emailVerification: true,
        status: 1,
        registration: 1_500_000_000,
        prefs: { theme: 'dark', nested: { a: [1, 2] } },
        hash: { algorithm: 'bcrypt', value: '$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a' },
      },
      {
        userId: 'wp_42',
        email: 'wp@example.com',
        name: 'Word Press',
        registration: 1_300_000_000,
        hash: { algorithm: 'phpass', value: '$P$B12345678L6Lpt4BxNotVIMILOa9u81' },
      },
      { email: 'md5@example.com', registration: 1_400_000_000, hash: { algorithm: 'md5', value: md5 } },
      { userId: 'no-hash', email: 'nohash@example.com', status: 2, registration: 1_400_000_000 },
      { userId: 'z-first', email: 'same.second.1@example.com', registration: 1_450_000_000, hash: { algorithm: 'md5', value: md5 } },
      { userId: 'a-second', email: 'same.second.2@example.com', registration: 1_450_000_000, hash: { algorithm: 'md5', value: md5 } },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n') + '\n',
  );
  writeFileSync(
    files('firebase.json'),
    JSON.stringify({
      users: [
        {
          localId: 'FbUser1LocalId0000000000001',
          email: 'user1@firebase.test',
          emailVerified: true,
          displayName: 'Fire Base',
          createdAt: '1600000000123',
          passwordHash: 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==',
          salt: '42xEC+ixf3L2lw==',
          disabled: false,
          providerUserInfo: [],
        },
      ],
    }),
  );
  writeFileSync(
    files('supabase.json'),
    JSON.stringify([
      {
        id: '6f1c2d9e-8a7b-4c3d-9e1f-0a1b2c3d4e5f',
        email: 'sb@example.com',
        encrypted_password: supabaseHash,
        email_confirmed_at: '2023-01-02T03:04:05Z',
        created_at: '2023-01-01T00:00:00.5Z',
        raw_user_meta_data: { full_name: 'Supa Base' },
        banned_until: null,
      },
      {
        id: '7f1c2d9e-8a7b-4c3d-9e1f-0a1b2c3d4e5f',
        email: 'banned@example.com',
        encrypted_password: supabaseHash,
        email_confirmed_at: null,
        created_at: '2023-01-01T00:00:00Z',
        raw_user_meta_data: { name: 'Ban Ned' },
        banned_until: '2999-01-01T00:00:00Z',
      },
    ]),
  );
}, 300_000);

afterAll(async () => {
  await halt();
  rmSync(stateDir, { recursive: true, force: true });
});

it('imports three formats, survives export → import into an empty project exactly, and every password signs in', async () => {
  expect((await admin('users', 'import', 'source', files('ours.jsonl'), '--json')).stdout).toContain('{"created":6,"skipped":0}');
  const firebaseFlags = [
    '--signer-key',
    'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
    '--salt-separator',
    'Bw==',
    '--rounds',
    '8',
    '--mem-cost',
    '14',
  ];
  expect((await admin('users', 'import', 'source', files('firebase.json'), '--format', 'firebase', ...firebaseFlags, '--json')).stdout).toContain(
    '{"created":1,"skipped":0}',
  );
  expect((await admin('users', 'import', 'source', files('supabase.json'), '--format', 'supabase', '--json')).stdout).toContain('{"created":2,"skipped":0}');
  // Importing a file again creates nothing.
  const again = await admin('users', 'import', 'source', files('ours.jsonl'), '--json');
  expect(again.stdout).toContain('{"created":0,"skipped":6}');
  expect(again.errors.map((e: { code: number }) => e.code)).toEqual([409, 409, 409, 409, 409, 409]);

  await admin('users', 'export', 'source', '--out', files('source.jsonl'));
  const exported = readFileSync(files('source.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  expect(exported.map((r) => r.email)).toEqual([
    'wp@example.com',
    'md5@example.com',
    'nohash@example.com',
    'same.second.1@example.com',
    'same.second.2@example.com',
    'ada@example.com',
    'user1@firebase.test',
    // The same registration second (sb's created_at has .5 s): file order.
    'sb@example.com',
    'banned@example.com',
  ]);
  expect(exported.find((r) => r.email === 'user1@firebase.test')).toEqual({
    userId: 'FbUser1LocalId0000000000001',
    email: 'user1@firebase.test',
    name: 'Fire Base',
    emailVerification: true,
    status: 0,
    registration: 1_600_000_000,
    prefs: {},
    hash: {
      algorithm: 'scrypt-modified',
      value: 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==',
      salt: '42xEC+ixf3L2lw==',
      saltSeparator: 'Bw==',
      signerKey: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
      rounds: 8,
      memCost: 14,
    },
  });
  expect(exported.find((r) => r.email === 'sb@example.com')).toMatchObject({
    userId: '6f1c2d9e-8a7b-4c3d-9e1f-0a1b2c3d4e5f',
    name: 'Supa Base',
    emailVerification: true,
    status: 0,
    registration: 1_672_531_200,
  });
  expect(exported.find((r) => r.email === 'banned@example.com')).toMatchObject({ name: 'Ban Ned', emailVerification: false, status: 2 });
  expect(exported.find((r) => r.email === 'nohash@example.com')).not.toHaveProperty('hash');

  // Sign-ins on the source upgrade some hashes to argon2id; the export carries whatever is current.
  const key = JSON.parse((await admin('key', 'create', 'source', '--scopes', 'users.read,users.export', '--json')).stdout).secret;
  await start();
  for (const email of ['ada@example.com', 'user1@firebase.test']) expect((await signIn('source', email, PASSWORDS[email]!)).status).toBe(201);
  await halt();
  await admin('users', 'export', 'source', '--out', files('source.jsonl'));
  const first = readFileSync(files('source.jsonl'), 'utf8');
  expect(first.split('\n').filter((l) => l.includes('"algorithm":"argon2"'))).toHaveLength(2);

  expect((await admin('users', 'import', 'target', files('source.jsonl'), '--json')).stdout).toContain('{"created":9,"skipped":0}');
  await admin('users', 'export', 'target', '--out', files('target.jsonl'));
  expect(readFileSync(files('target.jsonl'), 'utf8')).toBe(first);

  await start();
  // The HTTP export (a key with users.export) says what the CLI wrote.
  const page = await api('source', '/users/export', { key });
  expect(page.status).toBe(200);
  expect(page.body.records.map((r: unknown) => JSON.stringify(r) + '\n').join('')).toBe(first);
  for (const [email, password] of Object.entries(PASSWORDS)) {
    if (password === null) continue;
    const expected = email === 'banned@example.com' ? 401 : 201;
    expect((await signIn('target', email, password)).status, email).toBe(expected);
    expect((await signIn('target', email, `${password}-wrong`)).status, email).toBe(401);
  }
  expect((await signIn('target', 'nohash@example.com', 'password')).status).toBe(401);
}, 600_000);
