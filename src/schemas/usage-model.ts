// UsageUsers (1.x only): upstream's model of GET /v1/users/usage.
import { z } from 'zod';
import type { Usage } from '../domain/usage.ts';
import { models1x } from './dialect.ts';
import { isoDate } from './user-model.ts';

const metric = z.object({ value: z.int(), date: z.string() }).register(models1x, { id: 'Metric' });

export const usageUsersModel = z
  .object({
    range: z.string(),
    usersTotal: z.int().meta({ description: 'The project’s users now.' }),
    sessionsTotal: z.int().meta({ description: 'Sessions created in the range.' }),
    users: z.array(metric).meta({ description: 'Users created per hour (24h) or per day.' }),
    sessions: z.array(metric).meta({ description: 'Sessions created per hour (24h) or per day.' }),
  })
  .register(models1x, { id: 'UsageUsers' });

export function renderUsage(u: Usage) {
  const points = (list: Usage['users']) => list.map((b) => ({ value: b.value, date: isoDate(b.bucket * 1000) }));
  return { range: u.range, usersTotal: u.usersTotal, sessionsTotal: u.sessionsTotal, users: points(u.users), sessions: points(u.sessions) };
}
