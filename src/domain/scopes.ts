// What an API key may do. A key holds a list of these; each Users API route needs one.
export const SCOPES = ['users.read', 'users.write'] as const;
export type Scope = (typeof SCOPES)[number];
