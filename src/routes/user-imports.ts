// Bringing users in with the passwords they already have, and taking them out
// (contract §9.2–9.3): Appwrite 1.x's import routes, the bulk import and the export.
import { endpoint } from '../http/endpoint.ts';
import { statusOf } from '../http/errors.ts';
import { json } from '../http/respond.ts';
import { errorModel } from '../schemas/common.ts';
import {
  IMPORT_MAX_BODY_BYTES,
  bulkImportModel,
  bulkImportParams,
  checkImportRecord,
  exportPageModel,
  exportUsersParams,
  importArgon2Params,
  importBcryptParams,
  importMd5Params,
  importPhpassParams,
  importScryptModifiedParams,
  importScryptParams,
  importShaParams,
} from '../schemas/imports.ts';
import type { ParamSpec, ParamValues } from '../schemas/params.ts';
import { userModel } from '../schemas/users.ts';
import * as imports from '../domain/imports.ts';
import type { ImportedHash } from '../domain/password-formats.ts';

const tag = 'users';
const write = { kind: 'key', scope: 'users.write' } as const;
const errors = {
  400: { description: 'Missing or unknown project, an invalid parameter, or a hash not well-formed for its algorithm', model: errorModel },
  401: { description: 'Missing or insufficient API key', model: errorModel },
};

/** An import route: its own hash parameters, mapped to the bulk record's `hash`. */
function importRoute<S extends ParamSpec & { userId: unknown; email: unknown; password: unknown; name: unknown }>(
  route: string,
  operationId: string,
  summary: string,
  params: S,
  hashOf: (p: ParamValues<S>) => ImportedHash,
) {
  return endpoint({
    method: 'POST',
    path: `/users/${route}`,
    operationId,
    summary,
    tag,
    access: write,
    params,
    responses: { 201: { description: 'User', model: userModel }, ...errors, 409: { description: 'A user with this ID or email exists', model: errorModel } },
    handle: async (ctx, p) => {
      const { userId, email, name } = p as ParamValues<S> & { userId: string | null; email: string; name: string };
      return json(await imports.importUser(ctx.stores, ctx.project, { userId, email, name, hash: hashOf(p) }, ctx.actor()), 201);
    },
  });
}

export const importBcrypt = importRoute('bcrypt', 'createBcryptUser', 'Import a user with a bcrypt hash', importBcryptParams, (p) => ({ algorithm: 'bcrypt', value: p.password }));
export const importArgon2 = importRoute('argon2', 'createArgon2User', 'Import a user with an argon2 hash (PHC string)', importArgon2Params, (p) => ({ algorithm: 'argon2', value: p.password }));
export const importScrypt = importRoute('scrypt', 'createScryptUser', 'Import a user with a scrypt hash', importScryptParams, (p) => ({
  algorithm: 'scrypt',
  value: p.password,
  salt: p.passwordSalt,
  cpu: p.passwordCpu,
  memory: p.passwordMemory,
  parallel: p.passwordParallel,
  length: p.passwordLength,
}));
export const importScryptModified = importRoute(
  'scrypt-modified',
  'createScryptModifiedUser',
  "Import a user with a Firebase (modified scrypt) hash",
  importScryptModifiedParams,
  (p) => ({ algorithm: 'scrypt-modified', value: p.password, salt: p.passwordSalt, saltSeparator: p.passwordSaltSeparator, signerKey: p.passwordSignerKey }),
);
export const importSha = importRoute('sha', 'createShaUser', 'Import a user with a SHA digest', importShaParams, (p) => ({ algorithm: 'sha', value: p.password, version: p.passwordVersion }));
export const importMd5 = importRoute('md5', 'createMd5User', 'Import a user with an MD5 digest', importMd5Params, (p) => ({ algorithm: 'md5', value: p.password }));
export const importPhpass = importRoute('phpass', 'createPhpassUser', 'Import a user with a phpass hash (WordPress)', importPhpassParams, (p) => ({ algorithm: 'phpass', value: p.password }));

export const importUsers = endpoint({
  method: 'POST',
  path: '/users/import',
  operationId: 'importUsers',
  summary: 'Import up to 1000 users (each record on its own)',
  tag,
  access: write,
  params: bulkImportParams,
  maxBodyBytes: IMPORT_MAX_BODY_BYTES,
  responses: { 200: { description: 'The users created, and why the others were skipped', model: bulkImportModel }, ...errors },
  handle: async (ctx, p) => {
    const { created, failures } = await imports.importUsers(ctx.stores, ctx.project, p.users.map(checkImportRecord), ctx.actor());
    const errors = failures.map(({ index, error }) => ({ index, code: statusOf(error), message: error.message }));
    return json({ sum: created.length, users: created, errors });
  },
});

export const exportUsers = endpoint({
  method: 'GET',
  path: '/users/export',
  operationId: 'exportUsers',
  summary: 'Export users as bulk-import records (hashes only with scope users.export)',
  tag,
  access: { kind: 'key', scope: 'users.read' },
  params: exportUsersParams,
  responses: { 200: { description: 'One page of records in list order', model: exportPageModel }, ...errors },
  handle: async (ctx, p) =>
    json(await imports.exportUsers(ctx.stores, ctx.project, p.cursor || null, p.limit, ctx.scopes.includes('users.export'))),
});
