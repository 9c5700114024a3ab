// Session, log and account models (contract §3, §5), and the sign-in parameters.
import { z } from 'zod';
import { required } from './params.ts';
import { createUserParams } from './users.ts';
import { SESSION_LIST_LIMIT } from '../domain/sessions.ts';

const os = z
  .union([
    z.object({ name: z.string(), short_name: z.string(), version: z.string(), platform: z.string() }),
    z.tuple([]).meta({ description: 'Unknown operating system (upstream: an empty PHP array).' }),
  ])
  .meta({ id: 'OS' });
const client = z
  .object({ type: z.string(), name: z.string(), short_name: z.string(), version: z.string(), engine: z.string() })
  .nullable()
  .meta({ id: 'Client' });
const geo = z.object({ isoCode: z.string(), country: z.string() }).meta({ id: 'Geo' });
const device = {
  OS: os,
  client,
  device: z.int().nullable().meta({ description: 'Device type: 0 desktop, 1 smartphone, 2 tablet, … (Matomo DeviceDetector).' }),
  brand: z.string(),
  model: z.string(),
};

export const sessionModel = z.object({ $id: z.string(), ip: z.string(), ...device, geo }).meta({ id: 'Session' });
const NEWEST = `The newest ${SESSION_LIST_LIMIT} live sessions, newest first.`;
export const sessionListModel = z.array(sessionModel).meta({ id: 'SessionList', description: NEWEST });
export const ownSessionListModel = z.array(sessionModel.extend({ current: z.boolean() })).meta({ id: 'OwnSessionList', description: NEWEST });
export const logListModel = z.array(z.object({ event: z.string(), ip: z.string(), time: z.int(), ...device, geo })).meta({ id: 'LogList' });
export const createdSessionModel = z
  .object({ $id: z.string(), type: z.literal(1), expire: z.int().meta({ description: 'Unix timestamp (seconds).' }) })
  .meta({ id: 'CreatedSession' });

export const createSessionParams = {
  email: createUserParams.email,
  password: required(createUserParams.password.schema, createUserParams.password.rule, 'User account password.'),
};
