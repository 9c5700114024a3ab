CREATE TABLE `project_origins` (
	`origin` text NOT NULL,
	`project_id` text NOT NULL,
	PRIMARY KEY(`origin`, `project_id`),
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `project_origins_project` ON `project_origins` (`project_id`);--> statement-breakpoint
-- Hand-written: each project's origins move from its JSON column into the new table.
INSERT OR IGNORE INTO `project_origins` (`origin`, `project_id`)
SELECT o.`value`, p.`id` FROM `projects` p, json_each(p.`origins`) o WHERE o.`type` = 'text';--> statement-breakpoint
ALTER TABLE `projects` DROP COLUMN `origins`;