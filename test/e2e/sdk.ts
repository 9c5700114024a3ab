// The old node-appwrite 1.1.0 SDK (CommonJS, no types) and how it reports errors; how today's node-appwrite 27 reports them.
import { createRequire } from 'node:module';
import { AppwriteException } from 'node-appwrite-27';
import { expect } from 'vitest';

export const sdk = createRequire(import.meta.url)('node-appwrite');

/** node-appwrite rejects with a StatusCodeError whose `error` is the parsed body. */
export async function expectSdkError(call: Promise<unknown>, code: number, message: string): Promise<void> {
  const err = await call.then(
    () => {
      throw new Error(`expected ${code} ${message}, the call succeeded`);
    },
    (e: unknown) => e,
  );
  expect(err).toMatchObject({ name: 'StatusCodeError', statusCode: code });
  expect((err as { error: unknown }).error).toEqual({ message, code, version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
}

/** node-appwrite 27 rejects with an AppwriteException carrying the 1.x `type`. */
export async function expectType(call: Promise<unknown>, code: number, type: string): Promise<void> {
  const err = await call.then(
    () => {
      throw new Error(`expected ${code} ${type}, the call succeeded`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppwriteException);
  expect({ code: (err as AppwriteException).code, type: (err as AppwriteException).type }).toEqual({ code, type });
}
