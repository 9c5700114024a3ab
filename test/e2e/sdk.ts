// The old node-appwrite 1.1.0 SDK (CommonJS, no types) and how it reports errors.
import { createRequire } from 'node:module';
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
