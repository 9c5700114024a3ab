// What every Users API route of both dialects declares alike: its tag, the API-key access
// by scope (contract §4) and the errors any key-checked route can answer.
import { errorModel } from '../schemas/common.ts';

export const tag = 'users';
export const read = { kind: 'key', scope: 'users.read' } as const;
export const write = { kind: 'key', scope: 'users.write' } as const;
export const keyErrors = {
  400: { description: 'Missing or unknown project, or an invalid parameter', model: errorModel },
  401: { description: 'Missing or insufficient API key', model: errorModel },
};
