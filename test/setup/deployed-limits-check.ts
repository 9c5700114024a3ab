// Fails the test during which the Worker broke a deployed limit (test/setup/deployed-limits.ts),
// even when the code under test caught the error it threw.
import { afterEach, expect } from 'vitest';
import { takeViolations } from './deployed-limits.ts';

afterEach(() => {
  expect(takeViolations(), 'the Worker broke a limit that deployed Cloudflare enforces').toEqual([]);
});
