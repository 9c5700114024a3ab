// The audit trail: which events are written, and the wire shape of a log entry.
import * as queries from '../db/audit.ts';
import type { AuditRow, NewAuditRow } from '../db/audit.ts';
import { batchPrepared } from '../db/prepared.ts';
import { userById } from '../db/users.ts';
import type { Actor, Project, Stores } from './context.ts';
import { userNotFound } from './errors.ts';
import { geoFor } from './geo.ts';
import type { DeviceInfo } from './user-agent.ts';

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
  | 'users.sessions.delete';

export function auditEntry(projectId: string, userId: string, event: AuditEvent, actor: Actor, now: number): NewAuditRow {
  return { projectId, userId, event, ip: actor.ip, time: now, device: JSON.stringify(actor.device), country: actor.country };
}

export function toLogEntry(row: AuditRow, locale: string) {
  const device = JSON.parse(row.device) as DeviceInfo;
  return { event: row.event, ip: row.ip, time: row.time, ...device, geo: geoFor(row.country, locale) };
}

/** A user's log, newest first; 404 for an unknown user. */
export async function listLogs({ db }: Stores, project: Project, userId: string, limit: number, offset: number, locale: string) {
  const [[user], rows] = await batchPrepared(db, [userById(db, project.id, userId), queries.listLogs(db, project.id, userId, limit, offset)]);
  if (!user) throw userNotFound();
  return rows.map((row) => toLogEntry(row, locale));
}
