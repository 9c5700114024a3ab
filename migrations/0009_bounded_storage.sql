-- hand-written: a user keeps the newest 20 log entries of each sign-in event (account.sessions.create, .delete, .failed; src/db/audit.ts SIGN_IN_ENTRIES_KEPT); writing one more removes the oldest of that event, so however often a user signs in, the log stays bounded (docs/storage.md). Other events (changes made through the Users API) are kept for LOG_RETENTION_DAYS.
CREATE TRIGGER audit_logs_sign_in_cap AFTER INSERT ON audit_logs
WHEN NEW.event IN ('account.sessions.create', 'account.sessions.delete', 'account.sessions.failed')
BEGIN
  DELETE FROM audit_logs WHERE seq IN (
    SELECT seq FROM audit_logs WHERE user_id = NEW.user_id AND project_id = NEW.project_id AND event = NEW.event
    ORDER BY time DESC, seq DESC LIMIT -1 OFFSET 20
  );
END;
