CREATE TABLE `tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`user_id` text NOT NULL,
	`secret_hash` text NOT NULL,
	`expire` integer NOT NULL,
	`created` integer NOT NULL,
	FOREIGN KEY (`project_id`,`user_id`) REFERENCES `users`(`project_id`,`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `tokens_user` ON `tokens` (`project_id`,`user_id`,`secret_hash`);--> statement-breakpoint
CREATE INDEX `tokens_expire` ON `tokens` (`expire`);--> statement-breakpoint
ALTER TABLE `sessions` ADD `provider` text DEFAULT 'email' NOT NULL;