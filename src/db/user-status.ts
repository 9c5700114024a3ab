// The values of users.status, as stored and as the 0.6 dialect shows them (contract §3);
// the 1.x dialect's boolean `status` is "not blocked". No imports: the console bundles it.
export const UserStatus = { unactivated: 0, activated: 1, blocked: 2 } as const;
export type UserStatus = (typeof UserStatus)[keyof typeof UserStatus];
