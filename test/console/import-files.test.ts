// The console's reading of import files (console/import-files.ts): Firebase and Supabase
// exports become bulk-import records exactly as contract §9.3 maps them.
import { describe, expect, it } from 'vitest';
import { detectFormat, importRequests, readImportFile } from '../../console/import-files.ts';

const FIREBASE = {
  signerKey: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
  saltSeparator: 'Bw==',
  rounds: 8,
  memCost: 14,
};

describe('Firebase auth:export', () => {
  const file = JSON.stringify({
    users: [
      {
        localId: 'fb-user-1',
        email: 'ada@example.com',
        emailVerified: true,
        passwordHash: 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==',
        salt: '42xEC+ixf3L2lw==',
        displayName: 'Ada Lovelace',
        createdAt: '1600000000123',
        disabled: false,
      },
      { localId: 'fb-user-2', email: 'grace@example.com', emailVerified: false, createdAt: '1600000500999', disabled: true },
    ],
  });

  it('maps localId, displayName, emailVerified, createdAt (ms), disabled and the scrypt hash with the project’s parameters', () => {
    expect(detectFormat(file)).toBe('firebase');
    expect(readImportFile(file, 'firebase', FIREBASE)).toEqual([
      {
        userId: 'fb-user-1',
        email: 'ada@example.com',
        name: 'Ada Lovelace',
        emailVerification: true,
        status: 0,
        registration: 1600000000,
        hash: {
          algorithm: 'scrypt-modified',
          value: 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==',
          salt: '42xEC+ixf3L2lw==',
          saltSeparator: 'Bw==',
          signerKey: FIREBASE.signerKey,
          rounds: 8,
          memCost: 14,
        },
      },
      { userId: 'fb-user-2', email: 'grace@example.com', name: '', emailVerification: false, status: 2, registration: 1600000500 },
    ]);
  });

  it('asks for the hash parameters when the file has password hashes', () => {
    expect(() => readImportFile(file, 'firebase', { ...FIREBASE, signerKey: '' })).toThrow(
      'This Firebase file has password hashes: enter the signer key and salt separator of its project’s password hash parameters.',
    );
  });
});

describe('Supabase auth.users', () => {
  const NOW = Date.parse('2025-06-01T00:00:00Z');
  const rows = [
    {
      id: '0f8e3c1a-5b7d-4e2a-9c61-3d2b1a0f9e8d',
      email: 'ada@example.com',
      encrypted_password: '$2a$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234',
      email_confirmed_at: '2024-01-15 10:20:31.5+00',
      created_at: '2024-01-15 10:20:30.123456+00',
      raw_user_meta_data: { name: 'Ada Lovelace' },
      banned_until: null,
    },
    {
      id: '1a2b3c4d-0000-4000-8000-000000000002',
      email: 'grace@example.com',
      encrypted_password: '',
      email_confirmed_at: null,
      created_at: '2024-02-01T08:00:00Z',
      raw_user_meta_data: '{"full_name": "Grace Hopper"}',
      banned_until: '2026-01-01 00:00:00+00',
    },
    { id: '1a2b3c4d-0000-4000-8000-000000000003', email: 'kat@example.com', created_at: '2024-03-01 12:00:00+02', banned_until: '2025-01-01T00:00:00Z' },
  ];

  it('maps id, the name from raw_user_meta_data, email_confirmed_at, created_at, banned_until and the bcrypt hash', () => {
    const text = JSON.stringify(rows);
    expect(detectFormat(text)).toBe('supabase');
    expect(readImportFile(text, 'supabase', undefined, NOW)).toEqual([
      {
        userId: '0f8e3c1a-5b7d-4e2a-9c61-3d2b1a0f9e8d',
        email: 'ada@example.com',
        name: 'Ada Lovelace',
        emailVerification: true,
        status: 0,
        registration: Date.parse('2024-01-15T10:20:30Z') / 1000,
        hash: { algorithm: 'bcrypt', value: rows[0]!.encrypted_password },
      },
      // No password (a social sign-in): a user who cannot sign in until one is set. Banned into the future: blocked.
      {
        userId: rows[1]!.id,
        email: 'grace@example.com',
        name: 'Grace Hopper',
        emailVerification: false,
        status: 2,
        registration: Date.parse('2024-02-01T08:00:00Z') / 1000,
      },
      // A ban that has ended is no block.
      { userId: rows[2]!.id, email: 'kat@example.com', name: '', emailVerification: false, status: 0, registration: Date.parse('2024-03-01T10:00:00Z') / 1000 },
    ]);
  });
});

describe('JSON Lines', () => {
  it('takes each non-empty line as a record, as export writes them', () => {
    const records = [
      { userId: 'a', email: 'a@example.com', hash: { algorithm: 'md5', value: '5f4dcc3b5aa765d61d8327deb882cf99' } },
      { email: 'b@example.com', prefs: { x: 1 } },
    ];
    const text = records.map((r) => JSON.stringify(r)).join('\r\n') + '\n\n';
    expect(detectFormat(text)).toBe('jsonl');
    expect(readImportFile(text, 'jsonl')).toEqual(records);
  });

  it('names the line that is not a JSON object', () => {
    expect(() => readImportFile('{"email":"a@example.com"}\n{"email":\n', 'jsonl')).toThrow('Line 2 is not valid JSON.');
    expect(() => readImportFile('{"email":"a@example.com"}\n\n[1]\n', 'jsonl')).toThrow('Line 3 is not a JSON object.');
  });

  it('reads a file of a single record as JSON Lines, not as Firebase', () => {
    expect(detectFormat('{"email":"a@example.com"}\n')).toBe('jsonl');
  });
});

describe('bulk requests', () => {
  const requests = async (records: Array<Record<string, unknown>>) => {
    const out: Array<Array<Record<string, unknown>>> = [];
    for await (const chunk of importRequests(records as never)) out.push(chunk as never);
    return out;
  };

  it('sends at most 1000 records a request', async () => {
    const records = Array.from({ length: 2500 }, (_, i) => ({ email: `u${i}@example.com` }));
    const sent = await requests(records);
    expect(sent.map((c) => c.length)).toEqual([1000, 1000, 500]);
    expect(sent.flat()).toEqual(records);
  });

  it('keeps each request body within the bulk route’s 4 MiB, counted in UTF-8', async () => {
    // 1000 records of 20,000 two-byte characters: 40 MB in all, 20 KB each in UTF-16 units.
    const records = Array.from({ length: 1000 }, (_, i) => ({ email: `u${i}@example.com`, name: 'Zoë', prefs: { bio: 'é'.repeat(20_000) } }));
    const sent = await requests(records);
    expect(sent.flat()).toEqual(records);
    for (const chunk of sent) expect(new TextEncoder().encode(JSON.stringify({ users: chunk })).length).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(sent.length).toBeGreaterThan(9);
  });
});
