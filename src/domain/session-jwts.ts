// JWTs for sessions (contract §12.4): the Users API signs one for a live session of a
// user; X-Appwrite-JWT then authenticates as that user and session for as long as the
// token is unexpired and, as for a cookie, the session row in D1 lives.
import { batchPrepared } from '../db/prepared.ts';
import * as queries from '../db/sessions.ts';
import { userById } from '../db/users.ts';
import { UserStatus } from '../db/user-status.ts';
import { nowSeconds, type Project, type Stores } from './context.ts';
import { jwtInvalid, sessionNotFound, userNotFound } from './errors.ts';
import { signJwt, verifyJwt } from './jwt.ts';
import { touched, type AuthenticatedSession } from './sessions.ts';

/** The longest a JWT may live (upstream: 3600 s); 0 asks for one that lives as long as its session. */
export const MAX_JWT_DURATION = 3600;

/**
 * Users API: a JWT for one of the user's live sessions (`recent`: the newest). 404 for an
 * unknown user or session (upstream would sign one bound to no session; here a JWT is
 * always bound to a session row, which decides whether it authenticates).
 */
export async function createJwt(
  { db }: Stores,
  project: Project,
  userId: string,
  sessionId: string,
  durationSeconds: number,
  jwtSecret: string,
): Promise<string> {
  const now = nowSeconds();
  const [[user], sessions] = await batchPrepared(db, [
    userById(db, project.id, userId),
    sessionId === 'recent' ? queries.listUserSessions(db, project.id, userId, now, 1) : queries.findUserSession(db, project.id, userId, sessionId, now),
  ]);
  if (!user) throw userNotFound();
  const [session] = sessions;
  if (!session) throw sessionNotFound();
  const claims = { projectId: project.id, userId, sessionId: session.id };
  return signJwt(jwtSecret, durationSeconds === 0 ? claims : { ...claims, exp: now + durationSeconds }, now);
}

/**
 * Checks an X-Appwrite-JWT: its signature and expiry, then, like a session token, the
 * session row it names in D1 (so it fails on the very next request after the session
 * ends or its user is blocked or deleted). Every refusal is the one user_jwt_invalid.
 */
export async function authenticateJwt(stores: Stores, project: Project, jwtSecret: string, token: string): Promise<AuthenticatedSession> {
  const now = nowSeconds();
  const claims = await verifyJwt(jwtSecret, token, now);
  if (!claims || claims.projectId !== project.id) throw jwtInvalid();
  const live = await queries.findLiveSession(stores.db, project.id, claims.sessionId, now);
  if (!live || live.user.id !== claims.userId || live.user.status === UserStatus.blocked) throw jwtInvalid();
  return { sessionId: claims.sessionId, user: await touched(stores, project, live.user) };
}
