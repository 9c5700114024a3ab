// One D1 session per request and database (contract §11): reads may be served by the
// nearest replica, and a client that sends back the `X-D1-Bookmark` it was given reads a
// database at least that fresh (its own writes included). Where each request starts:
// - a GET of the Users API: the client's bookmark, else any replica ("first-unconstrained");
// - every request that writes, and every session-authenticated request: the primary.
//   Session requests read their session row there, so a revoked session or a blocked
//   or deleted user is refused on the very next request whatever replica serves it
//   (contract §6); everything else they read is at least that fresh, which also gives
//   browser sessions read-your-writes without a bookmark.
//
// Shards (db/shards.ts): the project, its keys and the directory are read on the control
// database (DB); the request's work runs on the project's shard. A project on DB uses the
// one session for both, as before shards. The bookmark handed back is the shard's, named
// by it unless it is DB's (`shard_1:<D1 bookmark>`; DB's stays a bare D1 bookmark). A
// bookmark of another shard than the project's (it moved, or the client mixes projects)
// cannot be waited for there, so that request reads the primary: never older than what
// the client has seen. For a while after a move (domain/moves.ts), the project's reads go to the
// primary of its new shard too.
import { database, type Db } from '../db/client.ts';
import { meteredSession, type Meter } from '../db/metering.ts';
import { DEFAULT_SHARD, shardDatabase } from '../db/shards.ts';
import type { Project, Stores } from '../domain/context.ts';
import { RECENT_MOVE_SECONDS } from '../domain/moves.ts';
import type { Endpoint } from './endpoint.ts';
import { queueAnnouncer } from './events.ts';

export const BOOKMARK_HEADER = 'X-D1-Bookmark';

/**
 * D1's bookmark form, e.g. 00000085-0000024c-00004c6d-8e61117bf38d7adb71b934ebbf891683, after
 * the shard's name for shards other than DB (SDKs lower-case header values).
 */
const BOOKMARK = /^(?:(shard_[a-z0-9_]{1,40}):)?([0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32})$/;

type Start = D1SessionConstraint | D1SessionBookmark;

/** Where a request's sessions start: `bookmark` of `shard` applies on that shard only. */
export interface SessionPlan {
  /** The primary: the request writes or is session-authenticated. */
  primary: boolean;
  bookmark?: { shard: string; value: string };
  /** A malformed bookmark is 400 `Invalid bookmark`, checked with the parameters (after project and credentials, contract §2). */
  invalidBookmark: boolean;
}

export function sessionPlan(endpoint: Endpoint, request: Request): SessionPlan {
  if (endpoint.access.kind === 'open') return { primary: false, invalidBookmark: false };
  if (request.method !== 'GET' || endpoint.access.kind === 'session') return { primary: true, invalidBookmark: false };
  const header = request.headers.get(BOOKMARK_HEADER)?.trim().toLowerCase();
  const parsed = header ? BOOKMARK.exec(header) : null;
  if (!parsed) return { primary: false, invalidBookmark: Boolean(header) };
  return { primary: false, bookmark: { shard: parsed[1]?.toUpperCase() ?? DEFAULT_SHARD, value: parsed[2]! }, invalidBookmark: false };
}

/**
 * Where the session on `shard` starts: a bookmark of another shard means the primary, and
 * so does a project that arrived there lately (`movedAt`: a replica may lack its rows yet).
 */
function startOn(plan: SessionPlan, shard: string, movedAt = 0): Start {
  if (plan.primary || Date.now() / 1000 - movedAt < RECENT_MOVE_SECONDS) return 'first-primary';
  if (!plan.bookmark) return 'first-unconstrained';
  return plan.bookmark.shard === shard ? plan.bookmark.value : 'first-primary';
}

/** The header value for a bookmark of `shard`. */
export function encodeBookmark(shard: string, bookmark: string): string {
  return shard === DEFAULT_SHARD ? bookmark : `${shard.toLowerCase()}:${bookmark}`;
}

export interface RequestDb {
  /** The control database: projects, keys, the directory (a bookmark of DB applies, else a replica or the primary as planned). */
  control: Stores;
  /** The stores of the project's shard, opened once. */
  shard(project: Project): Stores;
  /** The bookmark to hand back (the shard's once opened), or null when no query ran. */
  bookmark(): string | null;
}

interface Opened {
  name: string;
  start: Start;
  session: D1DatabaseSession;
  stores: Stores;
}

export function openRequestDb(env: Env, plan: SessionPlan, meter: Meter | undefined, exec: ExecutionContext, requestId: string): RequestDb {
  const open = (name: string, start: Start): Opened => {
    const session = shardDatabase(env, name).withSession(start);
    const db = wrap(session, start, meter);
    let primary: Db | undefined;
    const stores: Stores = {
      db,
      kv: env.SESSIONS,
      primary: () => (start === 'first-primary' ? db : (primary ??= wrap(shardDatabase(env, name).withSession('first-primary'), 'first-primary', meter))),
      // Events come only from writes, whose session is on the primary.
      events: queueAnnouncer(db, name, env, exec, requestId),
    };
    return { name, start, session, stores };
  };
  const control = open(DEFAULT_SHARD, startOn(plan, DEFAULT_SHARD));
  let shard: Opened | undefined;
  return {
    control: control.stores,
    shard(project) {
      if (shard?.name === project.shard) return shard.stores;
      const start = startOn(plan, project.shard, project.movedAt);
      shard = project.shard === DEFAULT_SHARD && start === control.start ? control : open(project.shard, start);
      return shard.stores;
    },
    bookmark() {
      const used = shard ?? control;
      const bookmark = used.session.getBookmark();
      return bookmark ? encodeBookmark(used.name, bookmark) : null;
    },
  };
}

function wrap(session: D1DatabaseSession, start: Start, meter: Meter | undefined): Db {
  return database(meter ? meteredSession(session, start === 'first-primary', meter) : session);
}
