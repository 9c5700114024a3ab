// One D1 session per request (contract §11): reads may be served by the nearest
// replica, and a client that sends back the `X-D1-Bookmark` it was given reads a
// database at least that fresh (its own writes included). Where each request starts:
// - a GET of the Users API: the client's bookmark, else any replica ("first-unconstrained");
// - every request that writes, and every session-authenticated request: the primary.
//   Session requests read their session row there, so a revoked session or a blocked
//   or deleted user is refused on the very next request whatever replica serves it
//   (contract §6); everything else they read is at least that fresh, which also gives
//   browser sessions read-your-writes without a bookmark.
import { database } from '../db/client.ts';
import { meteredSession, type Meter } from '../db/metering.ts';
import type { Stores } from '../domain/context.ts';
import type { Endpoint } from './endpoint.ts';
import { queueAnnouncer } from './events.ts';

export const BOOKMARK_HEADER = 'X-D1-Bookmark';

/** D1's bookmark form, e.g. 00000085-0000024c-00004c6d-8e61117bf38d7adb71b934ebbf891683 (SDKs lower-case header values). */
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

export interface RequestDb {
  stores: Stores;
  /** The bookmark to hand back, or null when no query ran. */
  bookmark(): string | null;
}

/**
 * Where the request's session starts. A malformed bookmark is 400 `Invalid bookmark`, but
 * checked with the parameters (after project and credentials, contract §2), so such a
 * request starts unconstrained and the pipeline reports it then.
 */
export function sessionStart(endpoint: Endpoint, request: Request): { start: D1SessionConstraint | D1SessionBookmark; invalidBookmark: boolean } {
  if (endpoint.access.kind === 'open') return { start: 'first-unconstrained', invalidBookmark: false };
  if (request.method !== 'GET' || endpoint.access.kind === 'session') return { start: 'first-primary', invalidBookmark: false };
  const bookmark = request.headers.get(BOOKMARK_HEADER)?.trim().toLowerCase();
  if (bookmark && BOOKMARK.test(bookmark)) return { start: bookmark, invalidBookmark: false };
  return { start: 'first-unconstrained', invalidBookmark: Boolean(bookmark) };
}

export function openRequestDb(
  env: Env,
  start: D1SessionConstraint | D1SessionBookmark,
  meter: Meter | undefined,
  exec: ExecutionContext,
  requestId: string,
): RequestDb {
  const open = (constraint: D1SessionConstraint | D1SessionBookmark) => {
    const session = env.DB.withSession(constraint);
    return { session, db: database(meter ? meteredSession(session, constraint === 'first-primary', meter) : session) };
  };
  const main = open(start);
  let primary: ReturnType<typeof database> | undefined;
  return {
    stores: {
      db: main.db,
      kv: env.SESSIONS,
      primary: () => (start === 'first-primary' ? main.db : (primary ??= open('first-primary').db)),
      // Events come only from writes, whose session is on the primary.
      events: queueAnnouncer(main.db, env, exec, requestId),
    },
    bookmark: () => main.session.getBookmark(),
  };
}
