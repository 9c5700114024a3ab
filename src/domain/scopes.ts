// What an API key may do. A key holds a list of these; each Users API route needs one.
// users.export adds password hashes to GET /v1/users/export; it is granted only explicitly.
export const SCOPES = ['users.read', 'users.write', 'users.export'] as const;
export type Scope = (typeof SCOPES)[number];
