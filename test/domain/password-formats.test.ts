// Password hashes made elsewhere (src/domain/password-formats.ts): published vectors verify,
// every algorithm round-trips through its stored form, and bad input is refused in words.
import bcrypt from 'bcryptjs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ImportedHash, InvalidHashError, SHA_VERSIONS, decodeStoredHash, encodeStoredHash, verifyStoredHash } from '../../src/domain/password-formats.ts';
import { OFFLINE } from '../../src/domain/hash-admission.ts';
import { DEFAULT_PARAMS, hashPassword } from '../../src/domain/passwords.ts';

// firebase/scrypt README: the sample project's hash parameters and user1's exported hash.
const FIREBASE: ImportedHash = {
  algorithm: 'scrypt-modified',
  value: 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==',
  salt: '42xEC+ixf3L2lw==',
  saltSeparator: 'Bw==',
  signerKey: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
  rounds: 8,
  memCost: 14,
};

// [password, hash] pairs with the source of each.
const BCRYPT: Array<[string, string]> = [
  ['rasmuslerdorf', '$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a'], // PHP manual, password_verify (older edition)
  ['rasmuslerdorf', '$2y$12$4Umg0rCJwMswRw/l.SwHvuQV01coP0eWmGzd61QH2RvAOMANUBGC.'], // PHP manual, password_verify
  ['rasmuslerdorf', '$2a$07$usesomesillystringfore2uDLvp1Ii2e./U9C8sBjqp8I90dH6hi'], // php-src password_verify tests
  ['U*U', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'], // OpenBSD / John the Ripper
  ['Kk4DQuMMfZL9o', '$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm'], // pyca/bcrypt tests
];

const PHPASS: Array<[string, string]> = [
  ['test12345', '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0'], // openwall phpass test.php
  ['test1', '$H$9aaaaaSXBjgypwqm.JsMssPLiS8YQ00'], // passlib tests (phpBB 3)
  ['JohnRipper', '$P$B12345678L6Lpt4BxNotVIMILOa9u81'], // passlib tests: 2^13 rounds, as WordPress
  ['JohnRipper', '$P$612345678si5M0DDyPpmRCmcltU/YW/'], // passlib tests: 2^8 rounds
  ['compL3X!', '$P$FiS0N5L672xzQx1rt1vgdJQRYKnQM9/'], // passlib tests: 2^17 rounds, the cap
];

// phc-winner-argon2 src/test.c (password "password", salt "somesalt"); argon2d from
// the same parameters as published by argon2 ports (hash-wasm, CyberChef).
const ARGON2 = [
  '$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4',
  '$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc',
  '$argon2i$v=19$m=256,t=2,p=1$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8',
  '$argon2i$v=19$m=256,t=2,p=2$c29tZXNhbHQ$T/XOJ2mh1/TIpJHfCdQan76Q5esCFVoT5MAeIM1Oq2E',
  '$argon2i$v=16$m=256,t=2,p=2$c29tZXNhbHQ$tsEVYKap1h6scGt5ovl9aLRGOqOth+AMB+KwHpDFZPs',
  '$argon2d$v=19$m=256,t=2,p=1$c29tZXNhbHQ$JcTui6RIBUtJ78gE5Hi52CO+H5vS6Z9R1uxAB6OhUB8',
];

// The first two are RFC 7914 §12; the third was made once with node:crypto
// scryptSync('correct horse', 'sälz$,=', 32, { N: 2, r: 1, p: 1 }) (a salt with the
// stored form's separators and non-ASCII).
const SCRYPT: Array<[string, ImportedHash]> = [
  [
    'password',
    {
      algorithm: 'scrypt',
      value: 'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640',
      salt: 'NaCl',
      cpu: 1024,
      memory: 8,
      parallel: 16,
      length: 64,
    },
  ],
  [
    'pleaseletmein',
    {
      algorithm: 'scrypt',
      value: '7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887',
      salt: 'SodiumChloride',
      cpu: 16384,
      memory: 8,
      parallel: 1,
      length: 64,
    },
  ],
  [
    'correct horse',
    {
      algorithm: 'scrypt',
      value: '87f0bb203a374842dc6c58348be45b7e83d4a37b0fb916544531817af4536f48',
      salt: 'sälz$,=',
      cpu: 2,
      memory: 1,
      parallel: 1,
      length: 32,
    },
  ],
];

// FIPS 180 / FIPS 202 digests of "abc".
const SHA_ABC: Record<string, string> = {
  sha1: 'a9993e364706816aba3e25717850c26c9cd0d89d',
  sha224: '23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7',
  sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  sha384: 'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
  'sha512/224': '4634270f707b6a54daae7530460842e20e37ed265ceee9a43e8924aa',
  'sha512/256': '53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23',
  sha512: 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
  'sha3-224': 'e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf',
  'sha3-256': '3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532',
  'sha3-384': 'ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b298d88cea927ac7f539f1edf228376d25',
  'sha3-512': 'b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0',
};

/** Stores `input` and checks the right password verifies and a wrong one does not. */
async function expectVerifies(input: ImportedHash, password: string): Promise<string> {
  const stored = encodeStoredHash(input);
  expect(await verifyStoredHash(password, stored), `${password} / ${stored}`).toBe(true);
  expect(await verifyStoredHash(password.slice(1), stored), `wrong password / ${stored}`).toBe(false);
  return stored;
}

// scrypt at N=2^14 takes over a second under the test runner (~0.1 s in wrangler dev).
describe('published vectors', { timeout: 30_000 }, () => {
  it("verifies Firebase's modified scrypt (firebase/scrypt README)", async () => {
    const stored = await expectVerifies(FIREBASE, 'user1password');
    expect(stored).toBe(`$fbscrypt$v=1,n=14,r=8,p=1,ss=Bw==,sk=${FIREBASE.signerKey}$42xEC+ixf3L2lw==$${FIREBASE.value}`);
    // Rounds and mem cost default to Firebase's 8 and 14.
    const { rounds: _r, memCost: _m, ...withoutCosts } = FIREBASE;
    expect(encodeStoredHash(withoutCosts)).toBe(stored);
    // Another project's signer key gives another hash.
    const otherKey = { ...FIREBASE, signerKey: FIREBASE.signerKey!.replace('jxspr8', 'jxspr9') };
    expect(await verifyStoredHash('user1password', encodeStoredHash(otherKey))).toBe(false);
  });

  it('verifies bcrypt $2y$, $2a$ and $2b$ (PHP manual, php-src, OpenBSD, pyca)', async () => {
    for (const [password, hash] of BCRYPT) expect(await expectVerifies({ algorithm: 'bcrypt', value: hash }, password)).toBe(hash);
  });

  it('verifies an Appwrite 0.6 style $2y$08$ hash', async () => {
    const hash = await bcrypt.hash('appwrite-0.6', (await bcrypt.genSalt(8)).replace('$2b$', '$2y$'));
    expect(hash).toMatch(/^\$2y\$08\$/);
    await expectVerifies({ algorithm: 'bcrypt', value: hash }, 'appwrite-0.6');
  });

  it('verifies phpass $P$ (WordPress) and $H$ (phpBB) portable hashes', async () => {
    for (const [password, hash] of PHPASS) expect(await expectVerifies({ algorithm: 'phpass', value: hash }, password)).toBe(hash);
  });

  it('verifies argon2id, argon2i and argon2d PHC strings (reference implementation vectors)', async () => {
    for (const hash of ARGON2) expect(await expectVerifies({ algorithm: 'argon2', value: hash }, 'password')).toBe(hash);
  });

  it('verifies scrypt (RFC 7914 and node:crypto)', async () => {
    for (const [password, input] of SCRYPT) await expectVerifies(input, password);
  });

  it('verifies every sha version, sha3-512 by default', async () => {
    expect(SHA_VERSIONS.toSorted()).toEqual(Object.keys(SHA_ABC).toSorted());
    for (const [version, digest] of Object.entries(SHA_ABC)) {
      const stored = await expectVerifies({ algorithm: 'sha', value: digest, version } as ImportedHash, 'abc');
      expect(stored).toBe(`$sha$v=${version}$${digest}`);
    }
    expect(encodeStoredHash({ algorithm: 'sha', value: SHA_ABC['sha3-512']! })).toBe(`$sha$v=sha3-512$${SHA_ABC['sha3-512']}`);
  });

  it('verifies md5 hex digests', async () => {
    await expectVerifies({ algorithm: 'md5', value: '5f4dcc3b5aa765d61d8327deb882cf99' }, 'password');
    expect(await expectVerifies({ algorithm: 'md5', value: '900150983CD24FB0D6963F7D28E17F72' }, 'abc')).toBe('$md5$900150983cd24fb0d6963f7d28e17f72');
  });

  it("reads this service's own argon2id hash", async () => {
    const own = await hashPassword('my own password', OFFLINE);
    expect(decodeStoredHash(own)).toEqual({ algorithm: 'argon2', value: own });
    expect(await verifyStoredHash('my own password', own)).toBe(true);
    expect(await verifyStoredHash('my own passwore', own)).toBe(false);
  });
});

describe('stored form', () => {
  // One input per algorithm, with what decode gives back (the normalized input).
  const cases: Array<[ImportedHash, ImportedHash]> = [
    [
      { algorithm: 'bcrypt', value: BCRYPT[0]![1] },
      { algorithm: 'bcrypt', value: BCRYPT[0]![1] },
    ],
    [
      { algorithm: 'argon2', value: ARGON2[5]! },
      { algorithm: 'argon2', value: ARGON2[5]! },
    ],
    [
      { algorithm: 'phpass', value: PHPASS[1]![1] },
      { algorithm: 'phpass', value: PHPASS[1]![1] },
    ],
    [SCRYPT[2]![1], SCRYPT[2]![1]],
    [{ ...SCRYPT[0]![1], value: SCRYPT[0]![1].value.toUpperCase() }, SCRYPT[0]![1]],
    [{ ...FIREBASE, rounds: undefined, memCost: undefined }, FIREBASE],
    [
      { algorithm: 'sha', value: SHA_ABC.sha256!.toUpperCase(), version: 'sha256' },
      { algorithm: 'sha', value: SHA_ABC.sha256!, version: 'sha256' },
    ],
    [
      { algorithm: 'sha', value: SHA_ABC['sha3-512']! },
      { algorithm: 'sha', value: SHA_ABC['sha3-512']!, version: 'sha3-512' },
    ],
    [
      { algorithm: 'md5', value: '5F4DCC3B5AA765D61D8327DEB882CF99', salt: undefined },
      { algorithm: 'md5', value: '5f4dcc3b5aa765d61d8327deb882cf99' },
    ],
  ];

  it('decodes to the normalized input and encodes back to the same string, for every algorithm', () => {
    for (const [input, normalized] of cases) {
      const stored = encodeStoredHash(input);
      expect(decodeStoredHash(stored)).toEqual(normalized);
      expect(encodeStoredHash(decodeStoredHash(stored))).toBe(stored);
      expect(encodeStoredHash(normalized)).toBe(stored);
    }
  });

  it('spells scrypt as $scrypt$ with the salt as base64 of its UTF-8 bytes', () => {
    expect(encodeStoredHash(SCRYPT[2]![1])).toBe('$scrypt$n=2,r=1,p=1$c8OkbHokLD0$h/C7IDo3SELcbFg0i+RbfoPUo3sPuRZURTGBevRTb0g');
  });

  it('refuses stored strings that are not canonical or not well-formed', () => {
    const refused = [
      '',
      'plain text',
      '$md5$5F4DCC3B5AA765D61D8327DEB882CF99', // upper-case hex
      '$md5$5f4dcc3b5aa765d61d8327deb882cf9',
      '$sha$v=sha256$' + SHA_ABC.sha1,
      '$sha$v=sha2$' + SHA_ABC.sha256,
      '$scrypt$n=02,r=1,p=1$c8OkbHokLD0$h/C7IDo3SELcbFg0i+RbfoPUo3sPuRZURTGBevRTb0g', // leading zero
      '$scrypt$n=2,r=1,p=1$c8OkbHokLD0=$h/C7IDo3SELcbFg0i+RbfoPUo3sPuRZURTGBevRTb0g', // padding
      '$scrypt$n=2,r=1,p=1$/w$h/C7IDo3SELcbFg0i+RbfoPUo3sPuRZURTGBevRTb0g', // salt not UTF-8
      '$scrypt$n=2,r=1,p=1$c8OkbHokLD0$h/C7IDo3SELcbFg0i+RbfoPUo3sPuRZURTGBevRTb0h', // trailing bits
      '$fbscrypt$v=2,n=14,r=8,p=1,ss=Bw==,sk=' + FIREBASE.signerKey + '$' + FIREBASE.salt + '$' + FIREBASE.value,
      '$fbscrypt$v=1,n=14,r=8,p=2,ss=Bw==,sk=' + FIREBASE.signerKey + '$' + FIREBASE.salt + '$' + FIREBASE.value,
      '$argon2id$v=19$m=0256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4',
      '$argon2id$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4',
      BCRYPT[0]![1] + ' ',
      'x'.repeat(5000),
    ];
    for (const stored of refused) expect(() => decodeStoredHash(stored), stored).toThrow(InvalidHashError);
  });
});

describe('refusals', () => {
  const bcrypt53 = BCRYPT[0]![1].slice(7);
  const argon2 = (params: string, salt = 'c29tZXNhbHQ', hash = 'nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4') => `$argon2id$${params}$${salt}$${hash}`;
  const scrypt = (changes: Partial<ImportedHash>): ImportedHash => ({ ...SCRYPT[2]![1], ...changes });
  const firebase = (changes: Partial<ImportedHash>): ImportedHash => ({ ...FIREBASE, ...changes });
  const hex = (bytes: number) => 'ab'.repeat(bytes);

  const cases: Array<[unknown, RegExp]> = [
    // any algorithm
    [null, /^hash must be an object$/],
    [{ algorithm: 'pbkdf2', value: 'x' }, /^algorithm must be one of argon2, bcrypt, scrypt, scrypt-modified, sha, md5, phpass$/],
    [{ algorithm: 'md5' }, /^hash value must be a string of 1 to 1024 characters$/],
    [{ algorithm: 'md5', value: '' }, /^hash value must be a string of 1 to 1024 characters$/],
    [{ algorithm: 'md5', value: 5 }, /^hash value must be a string of 1 to 1024 characters$/],
    [{ algorithm: 'bcrypt', value: 'x'.repeat(2000) }, /^hash value must be a string of 1 to 1024 characters$/],
    [{ algorithm: 'bcrypt', value: BCRYPT[0]![1], salt: 'abc' }, /^salt does not apply to bcrypt$/],
    [{ algorithm: 'sha', value: SHA_ABC['sha3-512'], cpu: 2 }, /^cpu does not apply to sha$/],
    [{ algorithm: 'md5', value: hex(16), password: 'x' }, /^hash has an unknown field$/],
    // bcrypt
    [{ algorithm: 'bcrypt', value: '$2x$10$' + bcrypt53 }, /^bcrypt hash must be \$2a\$, \$2b\$ or \$2y\$/],
    [{ algorithm: 'bcrypt', value: '$2y$10$' + bcrypt53.slice(1) }, /^bcrypt hash must be/],
    [{ algorithm: 'bcrypt', value: '$2y$13$' + bcrypt53 }, /^bcrypt cost must be between 4 and 12$/],
    [{ algorithm: 'bcrypt', value: '$2y$03$' + bcrypt53 }, /^bcrypt cost must be between 4 and 12$/],
    [{ algorithm: 'bcrypt', value: '$2y$10$' + bcrypt53.slice(0, 21) + 'P' + bcrypt53.slice(22) }, /^bcrypt hash must be/], // salt's unused bits set
    [{ algorithm: 'bcrypt', value: '$2y$10$' + bcrypt53.slice(0, 52) + 'b' }, /^bcrypt hash must be/], // hash's unused bits set
    // argon2
    [
      { algorithm: 'argon2', value: '$argon2x$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4' },
      /^argon2 hash must be a PHC string/,
    ],
    [{ algorithm: 'argon2', value: argon2('v=19$m=256,t=2,p=1', 'c29tZXNhbHQ=') }, /^argon2 hash must be a PHC string/],
    [{ algorithm: 'argon2', value: argon2('v=19$m=256,t=2,p=1', 'c29tZXNhbH!') }, /^argon2 hash must be a PHC string/],
    [{ algorithm: 'argon2', value: argon2('v=19$m=256,t=2,p=1,keyid=abc') }, /^argon2 hash must be a PHC string/],
    [{ algorithm: 'argon2', value: argon2('m=256,t=2,p=1') }, /^argon2 hash must be a PHC string/],
    [{ algorithm: 'argon2', value: argon2('v=18$m=256,t=2,p=1') }, /^argon2 version must be 19 or 16$/],
    [{ algorithm: 'argon2', value: argon2('v=19$m=65536,t=1,p=1') }, /^argon2 memory \(m, KiB\) must be between 8 and 32768$/],
    [{ algorithm: 'argon2', value: argon2('v=19$m=32768,t=3,p=1') }, /^argon2 passes \(t\) at this memory must be between 1 and 2$/],
    [{ algorithm: 'argon2', value: argon2('v=19$m=256,t=0,p=1') }, /^argon2 passes \(t\) at this memory must be between 1 and 256$/],
    [{ algorithm: 'argon2', value: argon2('v=19$m=256,t=2,p=0') }, /^argon2 parallelism \(p\) must be between 1 and 16$/],
    [{ algorithm: 'argon2', value: argon2('v=19$m=256,t=2,p=17') }, /^argon2 parallelism \(p\) must be between 1 and 16$/],
    [{ algorithm: 'argon2', value: argon2('v=19$m=8,t=2,p=2') }, /^argon2 memory \(m, KiB\) must be between 16 and 32768$/],
    [{ algorithm: 'argon2', value: argon2('v=19$m=256,t=2,p=1', 'c29tZQ') }, /^argon2 salt length \(bytes\) must be between 8 and 64$/],
    [{ algorithm: 'argon2', value: argon2('v=19$m=256,t=2,p=1', 'c29tZXNhbHQ', 'nf65EOgLrQMR') }, /^argon2 hash length \(bytes\) must be between 16 and 64$/],
    // phpass
    [{ algorithm: 'phpass', value: '$Q$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0' }, /^phpass hash must be \$P\$ or \$H\$ followed by 31 characters$/],
    [{ algorithm: 'phpass', value: '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L' }, /^phpass hash must be/],
    [{ algorithm: 'phpass', value: '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L2' }, /^phpass hash must be/], // unused bits set
    [{ algorithm: 'phpass', value: '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r!L0' }, /^phpass hash must be/],
    [{ algorithm: 'phpass', value: '$P$4IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0' }, /^phpass log2 rounds must be between 7 and 17$/],
    [{ algorithm: 'phpass', value: '$P$GIQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0' }, /^phpass log2 rounds must be between 7 and 17$/],
    // scrypt
    [scrypt({ salt: undefined }), /^scrypt salt must be a string$/],
    [scrypt({ salt: '' }), /^scrypt salt length \(bytes\) must be between 1 and 256$/],
    [scrypt({ salt: 'ab\uD800' }), /^scrypt salt must be a string$/],
    [scrypt({ cpu: '2' as unknown as number }), /^scrypt cpu \(N\) must be an integer$/],
    [scrypt({ cpu: 1000 }), /^scrypt cpu \(N\) must be a power of two, at least 2$/],
    [scrypt({ cpu: 1 }), /^scrypt cpu \(N\) must be a power of two, at least 2$/],
    [scrypt({ memory: 0 }), /^scrypt memory \(r\) must be between 1 and 32$/],
    [scrypt({ memory: 1.5 }), /^scrypt memory \(r\) must be an integer$/],
    [scrypt({ parallel: 17 }), /^scrypt parallel \(p\) must be between 1 and 16$/],
    [scrypt({ cpu: 2 ** 16, memory: 8 }), /^scrypt memory 128·N·r must be at most 32 MiB$/],
    [scrypt({ cpu: 2 ** 15, memory: 8, parallel: 4 }), /^scrypt work N·r·p must be at most 524288$/],
    [scrypt({ length: 8, value: hex(8) }), /^scrypt length \(bytes\) must be between 16 and 128$/],
    [scrypt({ length: 64 }), /^scrypt hash must be 128 hex digits$/],
    [scrypt({ value: hex(31) + 'zz' }), /^scrypt hash must be 64 hex digits$/],
    [scrypt({ version: 'sha1' }), /^version does not apply to scrypt$/],
    // Firebase
    [firebase({ salt: '42xEC+ixf3L2lw=' }), /^salt must be base64$/],
    [firebase({ salt: '42xEC+ixf3L2lw' }), /^salt must be base64$/],
    [firebase({ salt: '42xEC-ixf3L2lw==' }), /^salt must be base64$/],
    [firebase({ salt: '42xEC+ixf3L2lx==' }), /^salt must be base64$/], // trailing bits
    [firebase({ salt: '' }), /^salt length \(bytes\) must be between 1 and 64$/],
    [firebase({ saltSeparator: undefined }), /^saltSeparator must be base64$/],
    [firebase({ signerKey: 'Bw==' }), /^signerKey length \(bytes\) must be between 16 and 128$/],
    [firebase({ value: FIREBASE.value!.slice(0, 43) }), /^hash must be base64$/],
    [firebase({ value: FIREBASE.value!.slice(0, 44) }), /^hash must be as long as the signer key$/],
    [firebase({ rounds: 9 }), /^rounds must be between 1 and 8$/],
    [firebase({ memCost: 15 }), /^memCost must be between 1 and 14$/],
    [firebase({ memCost: 0 }), /^memCost must be between 1 and 14$/],
    [firebase({ cpu: 16384 }), /^cpu does not apply to scrypt-modified$/],
    // sha and md5
    [
      { algorithm: 'sha', value: SHA_ABC.sha256, version: 'SHA256' },
      /^version must be one of sha1, sha224, sha256, sha384, sha512\/224, sha512\/256, sha512, sha3-224, sha3-256, sha3-384, sha3-512$/,
    ],
    [{ algorithm: 'sha', value: SHA_ABC.sha256, version: 'md5' }, /^version must be one of/],
    [{ algorithm: 'sha', value: SHA_ABC.sha256, version: 'sha1' }, /^sha1 hash must be 40 hex digits$/],
    [{ algorithm: 'sha', value: SHA_ABC.sha256 }, /^sha3-512 hash must be 128 hex digits$/],
    [{ algorithm: 'sha', value: SHA_ABC.sha1!.replace('a', 'g'), version: 'sha1' }, /^sha1 hash must be 40 hex digits$/],
    [{ algorithm: 'md5', value: hex(16).slice(1) }, /^md5 hash must be 32 hex digits$/],
    [{ algorithm: 'md5', value: ` ${hex(16)}` }, /^md5 hash must be 32 hex digits$/],
  ];

  it('refuses each malformed or too costly hash with the rule in words', () => {
    for (const [input, message] of cases) {
      expect(() => encodeStoredHash(input as ImportedHash), JSON.stringify(input)).toThrow(InvalidHashError);
      expect(() => encodeStoredHash(input as ImportedHash), JSON.stringify(input)).toThrow(message);
    }
  });

  it('accepts the costs at the caps', () => {
    for (const input of [
      { algorithm: 'bcrypt', value: '$2y$12$' + bcrypt53 },
      { algorithm: 'argon2', value: argon2('v=19$m=32768,t=2,p=1') },
      { algorithm: 'argon2', value: argon2('v=19$m=16,t=2,p=2') },
      { algorithm: 'phpass', value: '$P$FIQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0' },
      scrypt({ cpu: 2 ** 15, memory: 8, parallel: 2 }),
      scrypt({ cpu: 2 ** 18, memory: 1, parallel: 2 }),
      firebase({ rounds: 8, memCost: 14 }),
    ] as ImportedHash[]) {
      expect(() => encodeStoredHash(input), JSON.stringify(input)).not.toThrow();
    }
  });
});

describe('garbage', () => {
  // Cheap to verify, so that damaged copies can be verified too.
  const cheap: Array<[string, string]> = [
    BCRYPT[4]!,
    PHPASS[3]!,
    ['password', ARGON2[0]!],
    ['password', ARGON2[5]!],
    [SCRYPT[2]![0], encodeStoredHash(SCRYPT[2]![1])],
    ['password', '$md5$5f4dcc3b5aa765d61d8327deb882cf99'],
    ['abc', `$sha$v=sha1$${SHA_ABC.sha1}`],
  ];

  it('refuses a damaged stored hash with InvalidHashError, or it does not verify', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...cheap), fc.nat(), fc.string({ minLength: 1, maxLength: 1 }), async ([password, hash], at, c) => {
        const i = at % hash.length;
        const damaged = hash.slice(0, i) + c + hash.slice(i + 1);
        // $2a$, $2b$ and $2y$ are the same bcrypt for ASCII passwords.
        if (damaged.replace(/^\$2[aby]\$/, '$2b$') === hash) return;
        try {
          decodeStoredHash(damaged);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidHashError);
          return;
        }
        expect(await verifyStoredHash(password, damaged), damaged).toBe(false);
      }),
      { seed: 92, numRuns: 300 },
    );
  });

  it('answers false for any string, and refuses any object with InvalidHashError', async () => {
    const prefixes = fc.constantFrom('$2y$', '$argon2id$', '$P$', '$scrypt$', '$fbscrypt$', '$sha$', '$md5$');
    await fc.assert(
      fc.asyncProperty(fc.tuple(fc.oneof(prefixes, fc.constant('')), fc.string({ maxLength: 120 })), async ([prefix, rest]) => {
        expect(await verifyStoredHash('password', prefix + rest)).toBe(false);
      }),
      { seed: 93, numRuns: 300 },
    );
    const field = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.constant(null), fc.boolean(), fc.object());
    const algorithm = fc.oneof(fc.constantFrom('argon2', 'bcrypt', 'scrypt', 'scrypt-modified', 'sha', 'md5', 'phpass'), fc.string());
    fc.assert(
      fc.property(fc.record({ algorithm, value: field, salt: field, cpu: field, version: field, rounds: field }, { requiredKeys: ['algorithm'] }), (input) => {
        try {
          encodeStoredHash(input as ImportedHash);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidHashError);
        }
      }),
      { seed: 94, numRuns: 1000 },
    );
  });
});
