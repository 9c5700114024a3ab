// The User model in each dialect, from the domain's user record: 0.6 (contract §3) and
// 1.x (§12.2, the field order of Appwrite 1.6's Response/Model/User.php). The routes
// render with these and the OpenAPI documents describe them.
import { z } from 'zod';
import type { User as User06, UserListItem as UserListItem06, UserRecord } from '../domain/users.ts';
import { models1x, type Model } from './dialect.ts';
import { userListItemModel, userListModel, userModel } from './users.ts';
import { UserStatus } from '../domain/users.ts';

/** A unix-milliseconds time as upstream prints dates; 0 (never) is "". */
export function isoDate(ms: number): string {
  return ms === 0 ? '' : new Date(ms).toISOString().replace('Z', '+00:00');
}

const date = (description: string) => z.string().meta({ description: `${description} ISO 8601 in UTC with milliseconds; "" when it never happened.` });

// The 1.x model.
export const user1xModel = z
  .object({
    $id: z.string(),
    $createdAt: date('When the user was registered.'),
    $updatedAt: date('The last change of the user.'),
    name: z.string(),
    registration: date('The registration time (imported users keep theirs).'),
    status: z.boolean().meta({ description: 'false exactly when the user is blocked.' }),
    labels: z.array(z.string()),
    passwordUpdate: date('When the password was last set.'),
    email: z.string(),
    phone: z.string().meta({ description: 'E.164, or "".' }),
    emailVerification: z.boolean(),
    phoneVerification: z.boolean(),
    mfa: z.literal(false),
    prefs: z.record(z.string(), z.unknown()),
    targets: z.tuple([]),
    accessedAt: date('The last sign-in, or request as the user (updated at most once an hour).'),
  })
  .register(models1x, { id: 'User' });
export const userList1xModel = z.object({ total: z.int(), users: z.array(user1xModel) }).register(models1x, { id: 'UserList' });

function user06ListItem(r: UserRecord): UserListItem06 {
  return { $id: r.id, email: r.email, emailVerification: r.emailVerification, status: r.status, registration: r.registration, name: r.name };
}

function user1x(r: UserRecord) {
  const registered = isoDate(r.registration * 1000);
  return {
    $id: r.id,
    $createdAt: registered,
    $updatedAt: isoDate(r.updatedAt),
    name: r.name,
    registration: registered,
    status: r.status !== UserStatus.blocked,
    labels: r.labels,
    passwordUpdate: isoDate(r.passwordUpdate),
    email: r.email,
    phone: r.phone,
    emailVerification: r.emailVerification,
    phoneVerification: r.phoneVerification,
    mfa: false,
    prefs: JSON.parse(r.prefs) as Record<string, unknown>,
    targets: [],
    accessedAt: isoDate(r.accessedAt),
  };
}

type Page = { total: number; users: UserRecord[] };

/** The user model, per dialect. */
export const User = {
  '0.6': { schema: userModel, render: (r: UserRecord): User06 => ({ ...user06ListItem(r), roles: [] }) },
  '1.x': { schema: user1xModel, render: user1x },
} satisfies Model<UserRecord>;

/** A list item: 0.6 omits `roles` (upstream); 1.x lists whole users. */
export const UserListItem = {
  '0.6': { schema: userListItemModel, render: user06ListItem },
  '1.x': User['1.x'],
} satisfies Model<UserRecord>;

export const UserList = {
  '0.6': { schema: userListModel, render: (p: Page) => ({ sum: p.total, users: p.users.map(user06ListItem) }) },
  '1.x': { schema: userList1xModel, render: (p: Page) => ({ total: p.total, users: p.users.map(user1x) }) },
} satisfies Model<Page>;
