// Bringing users in with the passwords they already have, and taking them out
// (contract §9.2–9.3): Appwrite 1.x's import routes, the bulk import and the export.
import { endpoint } from '../http/endpoint.ts';
import { tag, write } from './users-access.ts';
import { statusOf } from '../http/errors.ts';
import { json } from '../http/respond.ts';
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
import type { Dialect } from '../schemas/dialect.ts';
import { User, UserListItem } from '../schemas/user-model.ts';
import { alreadyRegistered, invalidParam } from '../domain/errors.ts';
import * as imports from '../domain/imports.ts';
import type { ImportedHash } from '../domain/password-formats.ts';

/** A record's hash that is not well-formed for its algorithm (domain/imports.ts). */
const malformedHash = () => invalidParam('hash', 'not well-formed for its algorithm');

/** An import route: its own hash parameters, mapped to the bulk record's `hash`. */
function importRoute<S extends ParamSpec & { userId: unknown; email: unknown; password: unknown; name: unknown }>(
  d: Dialect,
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
    responses: { 201: { description: 'User', model: User[d].schema } },
    raises: [malformedHash, alreadyRegistered],
    handle: async (ctx, p) => {
      const { userId, email, name } = p as ParamValues<S> & { userId: string | null; email: string; name: string };
      return json(User[d].render(await imports.importUser(ctx.stores, ctx.project, { userId, email, name, hash: hashOf(p) }, ctx.actor())), 201);
    },
  });
}

/** The import routes (contract §9.2), answering with the User model of dialect `d`. */
export function importRoutes(d: Dialect) {
  return {
    importBcrypt: importRoute(d, 'bcrypt', 'createBcryptUser', 'Import a user with a bcrypt hash', importBcryptParams, (p) => ({
      algorithm: 'bcrypt',
      value: p.password,
    })),
    importArgon2: importRoute(d, 'argon2', 'createArgon2User', 'Import a user with an argon2 hash (PHC string)', importArgon2Params, (p) => ({
      algorithm: 'argon2',
      value: p.password,
    })),
    importScrypt: importRoute(d, 'scrypt', 'createScryptUser', 'Import a user with a scrypt hash', importScryptParams, (p) => ({
      algorithm: 'scrypt',
      value: p.password,
      salt: p.passwordSalt,
      cpu: p.passwordCpu,
      memory: p.passwordMemory,
      parallel: p.passwordParallel,
      length: p.passwordLength,
    })),
    importScryptModified: importRoute(
      d,
      'scrypt-modified',
      'createScryptModifiedUser',
      'Import a user with a Firebase (modified scrypt) hash',
      importScryptModifiedParams,
      (p) => ({
        algorithm: 'scrypt-modified',
        value: p.password,
        salt: p.passwordSalt,
        saltSeparator: p.passwordSaltSeparator,
        signerKey: p.passwordSignerKey,
      }),
    ),
    importSha: importRoute(d, 'sha', 'createShaUser', 'Import a user with a SHA digest', importShaParams, (p) => ({
      algorithm: 'sha',
      value: p.password,
      version: p.passwordVersion,
    })),
    importMd5: importRoute(d, 'md5', 'createMd5User', 'Import a user with an MD5 digest', importMd5Params, (p) => ({ algorithm: 'md5', value: p.password })),
    importPhpass: importRoute(d, 'phpass', 'createPhpassUser', 'Import a user with a phpass hash (WordPress)', importPhpassParams, (p) => ({
      algorithm: 'phpass',
      value: p.password,
    })),
  };
}

export const { importBcrypt, importArgon2, importScrypt, importScryptModified, importSha, importMd5, importPhpass } = importRoutes('0.6');

export const importUsers = endpoint({
  method: 'POST',
  path: '/users/import',
  operationId: 'importUsers',
  summary: 'Import up to 1000 users (each record on its own)',
  tag,
  access: write,
  params: bulkImportParams,
  maxBodyBytes: IMPORT_MAX_BODY_BYTES,
  responses: { 200: { description: 'The users created, and why the others were skipped', model: bulkImportModel } },
  raises: [malformedHash],
  handle: async (ctx, p) => {
    const { created, failures } = await imports.importUsers(ctx.stores, ctx.project, p.users.map(checkImportRecord), ctx.actor());
    const errors = failures.map(({ index, error }) => ({ index, code: statusOf(error), message: error.message }));
    return json({ sum: created.length, users: created.map((r) => UserListItem['0.6'].render(r)), errors });
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
  responses: { 200: { description: 'One page of records in list order', model: exportPageModel } },
  handle: async (ctx, p) => json(await imports.exportUsers(ctx.stores, ctx.project, p.cursor || null, p.limit, ctx.scopes.includes('users.export'))),
});
