// The Session and Log models in each dialect, from the domain's records: 0.6 (contract §3)
// nests the device and geo objects; 1.x (§12.2) is Appwrite 1.6's flat model.
import { z } from 'zod';
import type { AuditRow, LogPage } from '../domain/audit.ts';
import { geoFor } from '../domain/geo.ts';
import type { SessionRecord } from '../domain/sessions.ts';
import type { DeviceInfo } from '../domain/user-agent.ts';
import { models1x, type Model, type RenderContext } from './dialect.ts';
import { logListModel, ownSessionListModel, sessionListModel } from './sessions.ts';
import { isoDate } from './user-model.ts';

// Matomo DeviceDetector's names of its device types (what 1.x calls deviceName).
const DEVICE_NAMES = [
  'desktop',
  'smartphone',
  'tablet',
  'feature phone',
  'console',
  'tv',
  'car browser',
  'smart display',
  'camera',
  'portable media player',
  'phablet',
  'smart speaker',
  'wearable',
  'peripheral',
];

/** The flat device and country fields of the 1.x Session and Log. */
function flatDevice(deviceJson: string, country: string, { locale }: RenderContext) {
  const { OS, client, device, brand, model } = JSON.parse(deviceJson) as DeviceInfo;
  const os = Array.isArray(OS) ? undefined : OS;
  const geo = geoFor(country, locale);
  return {
    osCode: os?.short_name ?? '',
    osName: os?.name ?? '',
    osVersion: os?.version ?? '',
    clientType: client?.type ?? '',
    clientCode: client?.short_name ?? '',
    clientName: client?.name ?? '',
    clientVersion: client?.version ?? '',
    clientEngine: client?.engine ?? '',
    clientEngineVersion: '',
    deviceName: device === null ? '' : (DEVICE_NAMES[device] ?? ''),
    deviceBrand: brand,
    deviceModel: model,
    countryCode: geo.isoCode,
    countryName: geo.country,
  };
}
const flatDeviceFields = {
  osCode: z.string(),
  osName: z.string(),
  osVersion: z.string(),
  clientType: z.string(),
  clientCode: z.string(),
  clientName: z.string(),
  clientVersion: z.string(),
  clientEngine: z.string(),
  clientEngineVersion: z.string(),
  deviceName: z.string(),
  deviceBrand: z.string(),
  deviceModel: z.string(),
  countryCode: z.string().meta({ description: 'Lower-case ISO 3166-1 alpha-2, "--" when unknown.' }),
  countryName: z.string(),
};

export const session1xModel = z
  .object({
    $id: z.string(),
    $createdAt: z.string(),
    $updatedAt: z.string(),
    userId: z.string(),
    expire: z.string(),
    provider: z
      .string()
      .meta({ description: '`email` for a password sign-in, `server` for a session made with an API key, `token` for one exchanged from a token.' }),
    providerUid: z.string(),
    providerAccessToken: z.string(),
    providerAccessTokenExpiry: z.string(),
    providerRefreshToken: z.string(),
    ip: z.string(),
    ...flatDeviceFields,
    current: z.boolean(),
    factors: z.array(z.string()),
    secret: z.string().meta({
      description: 'The session value (what the cookie a_session_<projectId> holds): only when the session is made with an API key, else "".',
    }),
    mfaUpdatedAt: z.string(),
  })
  .register(models1x, { id: 'Session' });
export const sessionList1xModel = z.object({ total: z.int(), sessions: z.array(session1xModel) }).register(models1x, { id: 'SessionList' });

export const log1xModel = z
  .object({
    event: z.string(),
    userId: z.string(),
    userEmail: z.string(),
    userName: z.string(),
    mode: z.enum(['admin', 'user']).meta({ description: "`admin` for an API-key action, `user` for the user's own." }),
    userType: z.string(),
    ip: z.string(),
    time: z.string(),
    ...flatDeviceFields,
  })
  .register(models1x, { id: 'Log' });
export const logList1xModel = z.object({ total: z.int(), logs: z.array(log1xModel) }).register(models1x, { id: 'LogList' });

function session06(r: SessionRecord, { locale }: RenderContext) {
  const device = JSON.parse(r.device) as DeviceInfo;
  return { $id: r.id, ip: r.ip, ...device, geo: geoFor(r.country, locale) };
}

/** What each provider's session is proved by (upstream's `factors`). */
const FACTORS: Record<SessionRecord['provider'], string> = { email: 'password', server: 'server', token: 'token' };

function session1x(r: SessionRecord, context: RenderContext, secret = '') {
  const created = isoDate(r.created * 1000);
  return {
    $id: r.id,
    $createdAt: created,
    $updatedAt: created,
    userId: r.userId,
    expire: isoDate(r.expire * 1000),
    provider: r.provider,
    providerUid: '',
    providerAccessToken: '',
    providerAccessTokenExpiry: '',
    providerRefreshToken: '',
    ip: r.ip,
    ...flatDevice(r.device, r.country, context),
    current: r.current,
    factors: [FACTORS[r.provider]],
    secret,
    mfaUpdatedAt: '',
  };
}

/** The Users API's session list (all of them: at most SESSION_LIST_LIMIT); 0.6: a bare array. */
export const SessionList = {
  '0.6': { schema: sessionListModel, render: (list: SessionRecord[], c: RenderContext) => list.map((s) => session06(s, c)) },
  '1.x': {
    schema: sessionList1xModel,
    render: (list: SessionRecord[], c: RenderContext) => ({ total: list.length, sessions: list.map((s) => session1x(s, c)) }),
  },
} satisfies Model<SessionRecord[]>;

/** The Account API's own sessions (with `current`). */
export const OwnSessionList = {
  '0.6': {
    schema: ownSessionListModel,
    render: (sessions: SessionRecord[], c: RenderContext) => sessions.map((s) => ({ ...session06(s, c), current: s.current })),
  },
  '1.x': SessionList['1.x'],
} satisfies Model<SessionRecord[]>;

/** One 1.x Session; `secret`: the session value, for a session made with an API key (contract §12.4). */
export const Session1x = {
  schema: session1xModel,
  render: (record: SessionRecord, c: RenderContext, secret = '') => session1x(record, c, secret),
};

function log06(e: AuditRow, { locale }: RenderContext) {
  const device = JSON.parse(e.device) as DeviceInfo;
  return { event: e.event, ip: e.ip, time: e.time, ...device, geo: geoFor(e.country, locale) };
}

function log1x(e: AuditRow, page: LogPage, context: RenderContext) {
  return {
    event: e.event,
    userId: e.userId,
    userEmail: page.user.email,
    userName: page.user.name,
    // Events on the Users API are made with an API key, those on the Account API by the user.
    mode: e.event.startsWith('users.') ? 'admin' : 'user',
    userType: 'user',
    ip: e.ip,
    time: isoDate(e.time * 1000),
    ...flatDevice(e.device, e.country, context),
  };
}

/** A user's log; 0.6: a bare array. */
export const LogList = {
  '0.6': { schema: logListModel, render: (p: LogPage, c: RenderContext) => p.entries.map((e) => log06(e, c)) },
  '1.x': { schema: logList1xModel, render: (p: LogPage, c: RenderContext) => ({ total: p.total, logs: p.entries.map((e) => log1x(e, p, c)) }) },
} satisfies Model<LogPage>;
