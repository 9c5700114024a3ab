CREATE TABLE `usage_counts` (
	`project_id` text NOT NULL,
	`metric` text NOT NULL,
	`period` integer NOT NULL,
	`bucket` integer NOT NULL,
	`value` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`project_id`, `metric`, `period`, `bucket`)
);
--> statement-breakpoint
CREATE TABLE `user_labels` (
	`project_id` text NOT NULL,
	`label` text NOT NULL,
	`seq` integer NOT NULL,
	PRIMARY KEY(`project_id`, `label`, `seq`)
);
--> statement-breakpoint
CREATE INDEX `user_labels_seq` ON `user_labels` (`seq`);--> statement-breakpoint
DROP INDEX `users_project_email`;--> statement-breakpoint
ALTER TABLE `users` ADD `phone` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `phone_verification` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `labels` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `password_update` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `updated_at` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `accessed_at` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `users_project_phone` ON `users` (`project_id`,`phone`) WHERE "users"."phone" <> '';--> statement-breakpoint
CREATE INDEX `users_project_status` ON `users` (`project_id`,`status`);--> statement-breakpoint
CREATE INDEX `users_project_updated` ON `users` (`project_id`,`updated_at`);--> statement-breakpoint
CREATE INDEX `users_project_accessed` ON `users` (`project_id`,`accessed_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_project_email` ON `users` (`project_id`,`email_key`) WHERE "users"."email_key" <> '';--> statement-breakpoint
-- hand-written: existing users were last changed, and got their password, no later than we know of: at registration.
UPDATE `users` SET `updated_at` = `registration` * 1000, `password_update` = CASE WHEN `password_hash` <> '' THEN `registration` * 1000 ELSE 0 END;
--> statement-breakpoint
-- hand-written: user_labels follows users.labels in the same statement (drizzle-kit does not model triggers).
CREATE TRIGGER `user_labels_insert` AFTER INSERT ON `users` BEGIN
	INSERT OR IGNORE INTO user_labels(project_id, label, seq) SELECT new.project_id, value, new.seq FROM json_each(new.labels);
END;
--> statement-breakpoint
CREATE TRIGGER `user_labels_update` AFTER UPDATE OF labels ON `users` BEGIN
	DELETE FROM user_labels WHERE seq = old.seq;
	INSERT OR IGNORE INTO user_labels(project_id, label, seq) SELECT new.project_id, value, new.seq FROM json_each(new.labels);
END;
--> statement-breakpoint
CREATE TRIGGER `user_labels_delete` AFTER DELETE ON `users` BEGIN
	DELETE FROM user_labels WHERE seq = old.seq;
END;
