// What every Users API route of both dialects declares alike: its tag and the API-key
// access by scope (contract §4; the errors that access can answer are documented from it).
export const tag = 'users';
export const read = { kind: 'key', scope: 'users.read' } as const;
export const write = { kind: 'key', scope: 'users.write' } as const;
