-- Hand-written: drizzle-kit does not model FTS5 virtual tables.
-- users_fts indexes users.search_text (project-namespaced word tokens computed by
-- src/domain/search.ts) as an external-content table keyed by users.seq, so a
-- search touches only the matching entries of its own project.
CREATE VIRTUAL TABLE `users_fts` USING fts5(
	search_text,
	content='users',
	content_rowid='seq',
	tokenize='unicode61 remove_diacritics 2'
);
--> statement-breakpoint
CREATE TRIGGER `users_fts_insert` AFTER INSERT ON `users` BEGIN
	INSERT INTO users_fts(rowid, search_text) VALUES (new.seq, new.search_text);
END;
--> statement-breakpoint
CREATE TRIGGER `users_fts_delete` AFTER DELETE ON `users` BEGIN
	INSERT INTO users_fts(users_fts, rowid, search_text) VALUES ('delete', old.seq, old.search_text);
END;
--> statement-breakpoint
CREATE TRIGGER `users_fts_update` AFTER UPDATE OF search_text ON `users` BEGIN
	INSERT INTO users_fts(users_fts, rowid, search_text) VALUES ('delete', old.seq, old.search_text);
	INSERT INTO users_fts(rowid, search_text) VALUES (new.seq, new.search_text);
END;
