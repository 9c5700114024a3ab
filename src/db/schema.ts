// The D1 schema. drizzle-kit generates migrations/ from this file; the FTS5 index
// over users (a virtual table drizzle cannot model) lives in a hand-written
// migration, fed by triggers from `users.search_text`. docs/storage.md explains each table.
import { sql } from 'drizzle-orm';
import { check, foreignKey, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const projects = sqliteTable('projects', {
  // Integer key used to namespace search tokens per project (see domain/search.ts).
  seq: integer('seq').primaryKey(),
  id: text('id').notNull().unique(),
  name: text('name').notNull().default(''),
  /** Number of users, maintained in the same batch as every user insert/delete. */
  userCount: integer('user_count').notNull().default(0),
  created: integer('created').notNull(),
  /**
   * The directory (read on the control database, DB): the binding of the shard the
   * project's users live on. A shard's own row of the project carries its own name.
   */
  shard: text('shard').notNull().default('DB'),
  /** When the project last arrived on its shard (a move's flip), unix seconds; 0 = never moved. */
  movedAt: integer('moved_at').notNull().default(0),
  /** A move copies from here (domain/moves.ts): triggers log every change of the project's rows in move_changes. */
  moving: integer('moving', { mode: 'boolean' }).notNull().default(false),
  /**
   * A move's write freeze, enforced by triggers on this database (so no isolate, however
   * stale its directory cache, writes here): 1 refuses every write of the project's data,
   * 2 (the source being emptied after the move) refuses inserts and updates only.
   */
  frozen: integer('frozen').notNull().default(0),
});

/** The browser origins a project allows, e.g. http://localhost:3000; keyed by origin for the CORS preflight. */
export const projectOrigins = sqliteTable(
  'project_origins',
  {
    origin: text('origin').notNull(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.origin, t.projectId] }), index('project_origins_project').on(t.projectId)],
);

export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull().default(''),
    /** JSON array of scopes, e.g. ["users.read","users.write"]. */
    scopes: text('scopes').notNull(),
    /** SHA-256 hex of the secret; the secret itself is never stored. */
    secretHash: text('secret_hash').notNull().unique(),
    created: integer('created').notNull(),
  },
  (t) => [index('api_keys_project').on(t.projectId)],
);

/** users.seq = registration second × SECOND + a counter: rowid order is registration order (src/domain/ids.ts). */
export const SECOND = 2 ** 21;

export const users = sqliteTable(
  'users',
  {
    // Stable integer rowid, registration second × 2^21 + a counter (domain/ids.ts): the
    // list order, and the key the FTS5 index refers to users by.
    seq: integer('seq').primaryKey(),
    /** Unique per project: generated (hex of seq) or chosen by an import. */
    id: text('id').notNull(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    /** Lower-cased email: uniqueness and sign-in compare on this. */
    emailKey: text('email_key').notNull(),
    name: text('name').notNull().default(''),
    /** A self-describing hash string (domain/password-formats.ts); '' when no password is set. */
    passwordHash: text('password_hash').notNull(),
    status: integer('status').notNull().default(0),
    emailVerification: integer('email_verification', { mode: 'boolean' }).notNull().default(false),
    registration: integer('registration').notNull(),
    prefs: text('prefs').notNull().default('{}'),
    /** Project-namespaced search tokens, copied into users_fts by triggers. */
    searchText: text('search_text').notNull().default(''),
    /** E.164 ('+14155550100') or '' for none; unique per project like emails. */
    phone: text('phone').notNull().default(''),
    phoneVerification: integer('phone_verification', { mode: 'boolean' }).notNull().default(false),
    /** JSON array of label strings; user_labels indexes them (triggers). */
    labels: text('labels', { mode: 'json' })
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'`),
    // Times in unix milliseconds (the 1.x models print milliseconds); 0 = never.
    /** When the password was last set. */
    passwordUpdate: integer('password_update').notNull().default(0),
    /** The last change of the user. */
    updatedAt: integer('updated_at').notNull().default(0),
    /** The last sign-in, or request as the user (at most once an hour). */
    accessedAt: integer('accessed_at').notNull().default(0),
  },
  (t) => [
    uniqueIndex('users_project_id').on(t.projectId, t.id),
    // '' is no email (a user with a phone only): only real addresses are unique.
    uniqueIndex('users_project_email')
      .on(t.projectId, t.emailKey)
      .where(sql`${t.emailKey} <> ''`),
    uniqueIndex('users_project_phone')
      .on(t.projectId, t.phone)
      .where(sql`${t.phone} <> ''`),
    // A project's users in rowid order, which is list order: (registration, creation).
    index('users_project').on(t.projectId),
    // Filters of the 1.x queries; each index ends in the rowid, so a page stays in list order.
    index('users_project_status').on(t.projectId, t.status),
    index('users_project_updated').on(t.projectId, t.updatedAt),
    index('users_project_accessed').on(t.projectId, t.accessedAt),
    check('users_prefs_size', sql`length(CAST(${t.prefs} AS BLOB)) <= 65536`),
    check('users_status', sql`${t.status} IN (0, 1, 2)`),
  ],
);

/** One row per label of a user, kept by triggers from users.labels: `contains` on a label is an index seek. */
export const userLabels = sqliteTable(
  'user_labels',
  {
    projectId: text('project_id').notNull(),
    label: text('label').notNull(),
    /** The user's users.seq: rows come out in list order. */
    seq: integer('seq').notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.label, t.seq] }), index('user_labels_seq').on(t.seq)],
);

/**
 * Users and sessions created per hour and per day (GET /v1/users/usage), counted in the
 * batch that creates them, so usage never scans users or sessions.
 */
export const usageCounts = sqliteTable(
  'usage_counts',
  {
    projectId: text('project_id').notNull(),
    /** 'users' or 'sessions'. */
    metric: text('metric').notNull(),
    /** 3600 (hourly) or 86400 (daily): the bucket's length in seconds. */
    period: integer('period').notNull(),
    /** The bucket's start, unix seconds. */
    bucket: integer('bucket').notNull(),
    value: integer('value').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.metric, t.period, t.bucket] })],
);

export const sessions = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull(),
    userId: text('user_id').notNull(),
    /** SHA-256 hex of the session secret; also the KV key of the token. */
    tokenHash: text('token_hash').notNull().unique(),
    expire: integer('expire').notNull(),
    created: integer('created').notNull(),
    ip: text('ip').notNull().default(''),
    /** JSON of the parsed User-Agent: {OS, client, device, brand, model}. */
    device: text('device').notNull(),
    /** Lower-case ISO country code or "--". */
    country: text('country').notNull().default('--'),
    /** How it began (the 1.x `provider`): `email` (password sign-in), `server` (created with an API key), `token` (exchanged). */
    provider: text('provider', { enum: ['email', 'server', 'token'] })
      .notNull()
      .default('email'),
  },
  (t) => [
    // User ids are unique per project only.
    foreignKey({ columns: [t.projectId, t.userId], foreignColumns: [users.projectId, users.id] }).onDelete('cascade'),
    index('sessions_user').on(t.userId, t.created),
    // The retention job finds expired sessions by this.
    index('sessions_expire').on(t.expire),
  ],
);

/**
 * Tokens made by a server (POST /v1/users/{userId}/tokens), each exchanged once for a
 * session (POST /v1/account/sessions/token): the exchange deletes the row.
 */
export const tokens = sqliteTable(
  'tokens',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull(),
    userId: text('user_id').notNull(),
    /** SHA-256 hex of the token secret; the secret itself is never stored. */
    secretHash: text('secret_hash').notNull(),
    expire: integer('expire').notNull(),
    created: integer('created').notNull(),
  },
  (t) => [
    foreignKey({ columns: [t.projectId, t.userId], foreignColumns: [users.projectId, users.id] }).onDelete('cascade'),
    // The exchange finds a token by its user and hash.
    index('tokens_user').on(t.projectId, t.userId, t.secretHash),
    // The retention job finds expired tokens by this.
    index('tokens_expire').on(t.expire),
  ],
);

export const auditLogs = sqliteTable(
  'audit_logs',
  {
    seq: integer('seq').primaryKey(),
    projectId: text('project_id').notNull(),
    userId: text('user_id').notNull(),
    event: text('event').notNull(),
    ip: text('ip').notNull().default(''),
    time: integer('time').notNull(),
    device: text('device').notNull(),
    country: text('country').notNull().default('--'),
  },
  (t) => [
    index('audit_logs_user_time').on(t.userId, t.time, t.seq),
    // The retention job finds old entries by this.
    index('audit_logs_time').on(t.time),
  ],
);

export const webhooks = sqliteTable(
  'webhooks',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull().default(''),
    url: text('url').notNull(),
    /** JSON array of subscribed event names; `users.*` stands for every `users.` event. */
    events: text('events').notNull(),
    /** The `whsec_` signing secret, AES-GCM encrypted with the WEBHOOK_SECRET_KEY Worker secret. */
    secret: text('secret').notNull(),
    created: integer('created').notNull(),
  },
  (t) => [index('webhooks_project').on(t.projectId)],
);

/** The outbox: one row per event, written in the same batch as the change it reports. */
export const webhookEvents = sqliteTable(
  'webhook_events',
  {
    /** Sent as `webhook-id`: the same on every retry. */
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull(),
    event: text('event').notNull(),
    userId: text('user_id').notNull(),
    time: integer('time').notNull(),
    /** The JSON `data` of the delivery body, built in SQL from the stored change. */
    data: text('data').notNull(),
    /** When the event was last handed to the queue; NULL until then, so the sweep re-sends it. */
    queued: integer('queued'),
    /** When the consumer found nothing left to deliver; NULL until then (a stalled event is re-sent). */
    settled: integer('settled'),
  },
  (t) => [
    index('webhook_events_unqueued')
      .on(t.time)
      .where(sql`${t.queued} IS NULL`),
    index('webhook_events_unsettled')
      .on(t.queued)
      .where(sql`${t.settled} IS NULL AND ${t.queued} IS NOT NULL`),
    index('webhook_events_project_time').on(t.projectId, t.time),
    // A user's delete erases the data of their settled events by this.
    index('webhook_events_user').on(t.projectId, t.userId),
    // The retention job finds old events by this.
    index('webhook_events_time').on(t.time),
  ],
);

/**
 * A moving project's changes (domain/moves.ts), written by triggers while projects.moving is
 * set: which row of which table changed (its key, as text); the move copies its current state.
 */
export const moveChanges = sqliteTable(
  'move_changes',
  {
    seq: integer('seq').primaryKey(),
    projectId: text('project_id').notNull(),
    table: text('tbl').notNull(),
    key: text('key').notNull(),
  },
  (t) => [index('move_changes_project').on(t.projectId, t.seq)],
);

/** Project moves under way (control database): each step's progress, so a move resumes where it stopped. */
export const projectMoves = sqliteTable('project_moves', {
  projectId: text('project_id').primaryKey(),
  source: text('source').notNull(),
  target: text('target').notNull(),
  /** The step reached (domain/moves.ts MOVE_STEPS). */
  step: text('step').notNull(),
  /** JSON: the step's cursor (rowids copied, changes applied). */
  progress: text('progress').notNull().default('{}'),
  /** When the directory was flipped, unix ms; 0 until then. */
  flipped: integer('flipped').notNull().default(0),
  started: integer('started').notNull(),
  updated: integer('updated').notNull(),
});

/** One event for one webhook: its state, attempts and last outcome. */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    eventId: text('event_id')
      .notNull()
      .references(() => webhookEvents.id, { onDelete: 'cascade' }),
    webhookId: text('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    projectId: text('project_id').notNull(),
    /** pending (to be tried, or retried), delivered (a 2xx answer), failed (gave up). */
    status: text('status', { enum: ['pending', 'delivered', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** The HTTP status of the last answer; NULL when there was none (timeout, network, refused destination). */
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    created: integer('created').notNull(),
    updated: integer('updated').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.eventId, t.webhookId] }),
    index('webhook_deliveries_webhook').on(t.webhookId),
    index('webhook_deliveries_project').on(t.projectId, t.status, t.updated),
    check('webhook_deliveries_status', sql`${t.status} IN ('pending', 'delivered', 'failed')`),
  ],
);
