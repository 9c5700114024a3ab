-- Hand-written: keeps projects.user_count exact inside the same statement (and so
-- the same transaction) as every user insert or delete, so `sum` of an unfiltered
-- list never counts the users table.
CREATE TRIGGER `users_count_insert` AFTER INSERT ON `users` BEGIN
	UPDATE projects SET user_count = user_count + 1 WHERE id = new.project_id;
END;
--> statement-breakpoint
CREATE TRIGGER `users_count_delete` AFTER DELETE ON `users` BEGIN
	UPDATE projects SET user_count = user_count - 1 WHERE id = old.project_id;
END;
