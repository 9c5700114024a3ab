CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`name` text DEFAULT '' NOT NULL,
	`scopes` text NOT NULL,
	`secret_hash` text NOT NULL,
	`created` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_secret_hash_unique` ON `api_keys` (`secret_hash`);--> statement-breakpoint
CREATE INDEX `api_keys_project` ON `api_keys` (`project_id`);--> statement-breakpoint
CREATE TABLE `audit_logs` (
	`seq` integer PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`user_id` text NOT NULL,
	`event` text NOT NULL,
	`ip` text DEFAULT '' NOT NULL,
	`time` integer NOT NULL,
	`device` text NOT NULL,
	`country` text DEFAULT '--' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_logs_user_time` ON `audit_logs` (`user_id`,`time`,`seq`);--> statement-breakpoint
CREATE TABLE `projects` (
	`seq` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`name` text DEFAULT '' NOT NULL,
	`origins` text DEFAULT '[]' NOT NULL,
	`user_count` integer DEFAULT 0 NOT NULL,
	`created` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `projects_id_unique` ON `projects` (`id`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`user_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`expire` integer NOT NULL,
	`created` integer NOT NULL,
	`ip` text DEFAULT '' NOT NULL,
	`device` text NOT NULL,
	`country` text DEFAULT '--' NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sessions_token_hash_unique` ON `sessions` (`token_hash`);--> statement-breakpoint
CREATE INDEX `sessions_user` ON `sessions` (`user_id`,`created`);--> statement-breakpoint
CREATE TABLE `users` (
	`seq` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`project_id` text NOT NULL,
	`email` text NOT NULL,
	`email_key` text NOT NULL,
	`name` text DEFAULT '' NOT NULL,
	`password_hash` text NOT NULL,
	`status` integer DEFAULT 0 NOT NULL,
	`email_verification` integer DEFAULT false NOT NULL,
	`registration` integer NOT NULL,
	`prefs` text DEFAULT '{}' NOT NULL,
	`search_text` text DEFAULT '' NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "users_prefs_size" CHECK(length(CAST("users"."prefs" AS BLOB)) <= 65536),
	CONSTRAINT "users_status" CHECK("users"."status" IN (0, 1, 2))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_id_unique` ON `users` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_project_email` ON `users` (`project_id`,`email_key`);--> statement-breakpoint
CREATE INDEX `users_project_registration` ON `users` (`project_id`,`registration`,`id`);