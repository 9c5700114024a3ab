// The audit trail: which events are written, and reading a user's log.
import * as queries from '../db/audit.ts';
import type { AuditRow, NewAuditRow } from '../db/audit.ts';
import { batchPrepared } from '../db/prepared.ts';
import { userById, type PublicUserRow } from '../db/users.ts';
import type { Actor, Project, Stores } from './context.ts';
import { userNotFound } from './errors.ts';

export type AuditEvent =
  | 'account.sessions.create'
  | 'account.sessions.delete'
  | 'account.sessions.failed'
  | 'users.create'
  | 'users.update.status'
  | 'users.update.prefs'
  | 'users.update.name'
  | 'users.update.email'
  | 'users.update.password'
  | 'users.update.verification'
  | 'users.update.phone'
  | 'users.update.labels'
  | 'users.update.phoneVerification'
  | 'users.sessions.delete'
  | 'users.sessions.create'
  | 'users.tokens.create';

export function auditEntry(projectId: string, userId: string, event: AuditEvent, actor: Actor, now: number): NewAuditRow {
  return { projectId, userId, event, ip: actor.ip, time: now, device: JSON.stringify(actor.device), country: actor.country };
}

export type { AuditRow };

/** A page of a user's log as the domain hands it to the edge, with the user it is of. */
export interface LogPage {
  user: PublicUserRow;
  entries: AuditRow[];
  /** The number of entries (counted only when asked). */
  total: number;
}

/** A user's log, newest first; 404 for an unknown user. */
export async function listLogs({ db }: Stores, project: Project, userId: string, limit: number, offset: number, count = false): Promise<LogPage> {
  const [[user], entries, counted] = await batchPrepared(db, [
    userById(db, project.id, userId),
    queries.listLogs(db, project.id, userId, limit, offset),
    queries.countLogs(db, project.id, count ? userId : ''),
  ]);
  if (!user) throw userNotFound();
  return { user, entries, total: counted[0]?.total ?? 0 };
}
