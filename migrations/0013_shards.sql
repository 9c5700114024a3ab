CREATE TABLE `move_changes` (
	`seq` integer PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`tbl` text NOT NULL,
	`key` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `move_changes_project` ON `move_changes` (`project_id`,`seq`);--> statement-breakpoint
CREATE TABLE `project_moves` (
	`project_id` text PRIMARY KEY NOT NULL,
	`source` text NOT NULL,
	`target` text NOT NULL,
	`step` text NOT NULL,
	`progress` text DEFAULT '{}' NOT NULL,
	`flipped` integer DEFAULT 0 NOT NULL,
	`started` integer NOT NULL,
	`updated` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `projects` ADD `shard` text DEFAULT 'DB' NOT NULL;--> statement-breakpoint
ALTER TABLE `projects` ADD `moved_at` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `projects` ADD `moving` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `projects` ADD `frozen` integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
-- hand-written: moves (src/domain/moves.ts, docs/storage.md "Moving a project"). While projects.moving is set on
-- this database, every change of the project's rows is logged in move_changes (table and key), so the move copies
-- what changed while it copied. While projects.frozen is set, writes of the project's data are refused
-- ('project_frozen': the API answers 503 with Retry-After): 1 refuses them all; 2 (the source being emptied)
-- refuses inserts and updates. Bookkeeping that loses nothing when refused or repeated is not frozen: retention
-- (expired sessions, old logs and events), the outbox's hand-over marks, the delivery records.
--> statement-breakpoint
CREATE TRIGGER `users_move_insert` AFTER INSERT ON `users`
WHEN (SELECT moving FROM projects WHERE id = NEW.project_id)
BEGIN
  INSERT INTO move_changes (project_id, tbl, key) VALUES (NEW.project_id, 'users', NEW.seq);
END;
--> statement-breakpoint
CREATE TRIGGER `users_move_update` AFTER UPDATE ON `users`
WHEN (SELECT moving FROM projects WHERE id = NEW.project_id)
BEGIN
  INSERT INTO move_changes (project_id, tbl, key) VALUES (NEW.project_id, 'users', NEW.seq);
END;
--> statement-breakpoint
CREATE TRIGGER `users_move_delete` AFTER DELETE ON `users`
WHEN (SELECT moving FROM projects WHERE id = OLD.project_id)
BEGIN
  INSERT INTO move_changes (project_id, tbl, key) VALUES (OLD.project_id, 'users', OLD.seq);
END;
--> statement-breakpoint
CREATE TRIGGER `sessions_move_insert` AFTER INSERT ON `sessions`
WHEN (SELECT moving FROM projects WHERE id = NEW.project_id)
BEGIN
  INSERT INTO move_changes (project_id, tbl, key) VALUES (NEW.project_id, 'sessions', NEW.id);
END;
--> statement-breakpoint
CREATE TRIGGER `sessions_move_update` AFTER UPDATE ON `sessions`
WHEN (SELECT moving FROM projects WHERE id = NEW.project_id)
BEGIN
  INSERT INTO move_changes (project_id, tbl, key) VALUES (NEW.project_id, 'sessions', NEW.id);
END;
--> statement-breakpoint
CREATE TRIGGER `sessions_move_delete` AFTER DELETE ON `sessions`
WHEN (SELECT moving FROM projects WHERE id = OLD.project_id)
BEGIN
  INSERT INTO move_changes (project_id, tbl, key) VALUES (OLD.project_id, 'sessions', OLD.id);
END;
--> statement-breakpoint
CREATE TRIGGER `audit_logs_move_insert` AFTER INSERT ON `audit_logs`
WHEN (SELECT moving FROM projects WHERE id = NEW.project_id)
BEGIN
  INSERT INTO move_changes (project_id, tbl, key) VALUES (NEW.project_id, 'audit_logs', NEW.seq);
END;
--> statement-breakpoint
CREATE TRIGGER `audit_logs_move_update` AFTER UPDATE ON `audit_logs`
WHEN (SELECT moving FROM projects WHERE id = NEW.project_id)
BEGIN
  INSERT INTO move_changes (project_id, tbl, key) VALUES (NEW.project_id, 'audit_logs', NEW.seq);
END;
--> statement-breakpoint
CREATE TRIGGER `audit_logs_move_delete` AFTER DELETE ON `audit_logs`
WHEN (SELECT moving FROM projects WHERE id = OLD.project_id)
BEGIN
  INSERT INTO move_changes (project_id, tbl, key) VALUES (OLD.project_id, 'audit_logs', OLD.seq);
END;
--> statement-breakpoint
CREATE TRIGGER `webhooks_move_insert` AFTER INSERT ON `webhooks`
WHEN (SELECT moving FROM projects WHERE id = NEW.project_id)
BEGIN
  INSERT INTO move_changes (project_id, tbl, key) VALUES (NEW.project_id, 'webhooks', NEW.id);
END;
--> statement-breakpoint
CREATE TRIGGER `webhooks_move_update` AFTER UPDATE ON `webhooks`
WHEN (SELECT moving FROM projects WHERE id = NEW.project_id)
BEGIN
  INSERT INTO move_changes (project_id, tbl, key) VALUES (NEW.project_id, 'webhooks', NEW.id);
END;
--> statement-breakpoint
CREATE TRIGGER `webhooks_move_delete` AFTER DELETE ON `webhooks`
WHEN (SELECT moving FROM projects WHERE id = OLD.project_id)
BEGIN
  INSERT INTO move_changes (project_id, tbl, key) VALUES (OLD.project_id, 'webhooks', OLD.id);
END;
--> statement-breakpoint
CREATE TRIGGER `webhook_events_move_insert` AFTER INSERT ON `webhook_events`
WHEN (SELECT moving FROM projects WHERE id = NEW.project_id)
BEGIN
  INSERT INTO move_changes (project_id, tbl, key) VALUES (NEW.project_id, 'webhook_events', NEW.id);
END;
--> statement-breakpoint
CREATE TRIGGER `webhook_events_move_update` AFTER UPDATE ON `webhook_events`
WHEN (SELECT moving FROM projects WHERE id = NEW.project_id)
BEGIN
  INSERT INTO move_changes (project_id, tbl, key) VALUES (NEW.project_id, 'webhook_events', NEW.id);
END;
--> statement-breakpoint
CREATE TRIGGER `webhook_events_move_delete` AFTER DELETE ON `webhook_events`
WHEN (SELECT moving FROM projects WHERE id = OLD.project_id)
BEGIN
  INSERT INTO move_changes (project_id, tbl, key) VALUES (OLD.project_id, 'webhook_events', OLD.id);
END;
--> statement-breakpoint
CREATE TRIGGER `webhook_deliveries_move_insert` AFTER INSERT ON `webhook_deliveries`
WHEN (SELECT moving FROM projects WHERE id = NEW.project_id)
BEGIN
  INSERT INTO move_changes (project_id, tbl, key) VALUES (NEW.project_id, 'webhook_deliveries', NEW.event_id || ' ' || NEW.webhook_id);
END;
--> statement-breakpoint
CREATE TRIGGER `webhook_deliveries_move_update` AFTER UPDATE ON `webhook_deliveries`
WHEN (SELECT moving FROM projects WHERE id = NEW.project_id)
BEGIN
  INSERT INTO move_changes (project_id, tbl, key) VALUES (NEW.project_id, 'webhook_deliveries', NEW.event_id || ' ' || NEW.webhook_id);
END;
--> statement-breakpoint
CREATE TRIGGER `webhook_deliveries_move_delete` AFTER DELETE ON `webhook_deliveries`
WHEN (SELECT moving FROM projects WHERE id = OLD.project_id)
BEGIN
  INSERT INTO move_changes (project_id, tbl, key) VALUES (OLD.project_id, 'webhook_deliveries', OLD.event_id || ' ' || OLD.webhook_id);
END;
--> statement-breakpoint
CREATE TRIGGER `usage_counts_move_insert` AFTER INSERT ON `usage_counts`
WHEN (SELECT moving FROM projects WHERE id = NEW.project_id)
BEGIN
  INSERT INTO move_changes (project_id, tbl, key) VALUES (NEW.project_id, 'usage_counts', NEW.metric || ' ' || NEW.period || ' ' || NEW.bucket);
END;
--> statement-breakpoint
CREATE TRIGGER `usage_counts_move_update` AFTER UPDATE ON `usage_counts`
WHEN (SELECT moving FROM projects WHERE id = NEW.project_id)
BEGIN
  INSERT INTO move_changes (project_id, tbl, key) VALUES (NEW.project_id, 'usage_counts', NEW.metric || ' ' || NEW.period || ' ' || NEW.bucket);
END;
--> statement-breakpoint
CREATE TRIGGER `usage_counts_move_delete` AFTER DELETE ON `usage_counts`
WHEN (SELECT moving FROM projects WHERE id = OLD.project_id)
BEGIN
  INSERT INTO move_changes (project_id, tbl, key) VALUES (OLD.project_id, 'usage_counts', OLD.metric || ' ' || OLD.period || ' ' || OLD.bucket);
END;
--> statement-breakpoint
CREATE TRIGGER `users_frozen_insert` BEFORE INSERT ON `users`
WHEN (SELECT frozen FROM projects WHERE id = NEW.project_id) > 0
BEGIN
  SELECT RAISE(ABORT, 'project_frozen');
END;
--> statement-breakpoint
CREATE TRIGGER `users_frozen_update` BEFORE UPDATE ON `users`
WHEN (SELECT frozen FROM projects WHERE id = NEW.project_id) > 0
BEGIN
  SELECT RAISE(ABORT, 'project_frozen');
END;
--> statement-breakpoint
CREATE TRIGGER `users_frozen_delete` BEFORE DELETE ON `users`
WHEN (SELECT frozen FROM projects WHERE id = OLD.project_id) = 1
BEGIN
  SELECT RAISE(ABORT, 'project_frozen');
END;
--> statement-breakpoint
CREATE TRIGGER `sessions_frozen_insert` BEFORE INSERT ON `sessions`
WHEN (SELECT frozen FROM projects WHERE id = NEW.project_id) > 0
BEGIN
  SELECT RAISE(ABORT, 'project_frozen');
END;
--> statement-breakpoint
CREATE TRIGGER `sessions_frozen_delete` BEFORE DELETE ON `sessions`
WHEN (SELECT frozen FROM projects WHERE id = OLD.project_id) = 1 AND OLD.expire > unixepoch()
BEGIN
  SELECT RAISE(ABORT, 'project_frozen');
END;
--> statement-breakpoint
CREATE TRIGGER `audit_logs_frozen_insert` BEFORE INSERT ON `audit_logs`
WHEN (SELECT frozen FROM projects WHERE id = NEW.project_id) > 0
BEGIN
  SELECT RAISE(ABORT, 'project_frozen');
END;
--> statement-breakpoint
CREATE TRIGGER `webhooks_frozen_insert` BEFORE INSERT ON `webhooks`
WHEN (SELECT frozen FROM projects WHERE id = NEW.project_id) > 0
BEGIN
  SELECT RAISE(ABORT, 'project_frozen');
END;
--> statement-breakpoint
CREATE TRIGGER `webhooks_frozen_update` BEFORE UPDATE ON `webhooks`
WHEN (SELECT frozen FROM projects WHERE id = NEW.project_id) > 0
BEGIN
  SELECT RAISE(ABORT, 'project_frozen');
END;
--> statement-breakpoint
CREATE TRIGGER `webhooks_frozen_delete` BEFORE DELETE ON `webhooks`
WHEN (SELECT frozen FROM projects WHERE id = OLD.project_id) = 1
BEGIN
  SELECT RAISE(ABORT, 'project_frozen');
END;
--> statement-breakpoint
CREATE TRIGGER `webhook_events_frozen_insert` BEFORE INSERT ON `webhook_events`
WHEN (SELECT frozen FROM projects WHERE id = NEW.project_id) > 0
BEGIN
  SELECT RAISE(ABORT, 'project_frozen');
END;
--> statement-breakpoint
-- hand-written: the same for tokens (migration 0012), which a move carries with the users they belong to.
--> statement-breakpoint
CREATE TRIGGER `tokens_move_insert` AFTER INSERT ON `tokens`
WHEN (SELECT moving FROM projects WHERE id = NEW.project_id)
BEGIN
  INSERT INTO move_changes (project_id, tbl, key) VALUES (NEW.project_id, 'tokens', NEW.id);
END;
--> statement-breakpoint
CREATE TRIGGER `tokens_move_update` AFTER UPDATE ON `tokens`
WHEN (SELECT moving FROM projects WHERE id = NEW.project_id)
BEGIN
  INSERT INTO move_changes (project_id, tbl, key) VALUES (NEW.project_id, 'tokens', NEW.id);
END;
--> statement-breakpoint
CREATE TRIGGER `tokens_move_delete` AFTER DELETE ON `tokens`
WHEN (SELECT moving FROM projects WHERE id = OLD.project_id)
BEGIN
  INSERT INTO move_changes (project_id, tbl, key) VALUES (OLD.project_id, 'tokens', OLD.id);
END;
--> statement-breakpoint
CREATE TRIGGER `tokens_frozen_insert` BEFORE INSERT ON `tokens`
WHEN (SELECT frozen FROM projects WHERE id = NEW.project_id) > 0
BEGIN
  SELECT RAISE(ABORT, 'project_frozen');
END;
--> statement-breakpoint
CREATE TRIGGER `tokens_frozen_delete` BEFORE DELETE ON `tokens`
WHEN (SELECT frozen FROM projects WHERE id = OLD.project_id) = 1 AND OLD.expire > unixepoch()
BEGIN
  SELECT RAISE(ABORT, 'project_frozen');
END;
