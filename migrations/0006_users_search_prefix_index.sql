-- Hand-written: drizzle-kit does not model FTS5 virtual tables.
-- Search-as-you-type terms are word prefixes ("jo", "mar"). Without a prefix index FTS5
-- expands such a term into every matching word of the index and merges their entries,
-- for the count and again for the page (a 2-letter name prefix cost milliseconds of
-- SQLite time at 100,000 users). FTS5 prefix indexes key on a token's first N
-- characters, so the project namespace of every token becomes a fixed 8 characters
-- ("p" + the project's seq in at least 6 digits + "z", src/domain/search.ts) and the
-- index keeps the 1-, 2- and 3-letter prefixes of every word (9, 10 and 11 characters).
-- Longer prefixes expand to few words and need none.
--
-- Order matters: the triggers go first (the rewrite below must not feed the old index),
-- the rewrite turns each user's "p<seq>z" tokens into "p<seq, 6 digits>z" (every token of
-- a user starts with its project's namespace, and only there, after a space), then the
-- index is built from the rewritten text and the triggers come back unchanged.
DROP TRIGGER `users_fts_insert`;
--> statement-breakpoint
DROP TRIGGER `users_fts_delete`;
--> statement-breakpoint
DROP TRIGGER `users_fts_update`;
--> statement-breakpoint
DROP TABLE `users_fts`;
--> statement-breakpoint
UPDATE `users` SET `search_text` = (
	SELECT substr(replace(' ' || `users`.`search_text`, ' p' || p.`seq` || 'z', ' p' || printf('%06d', p.`seq`) || 'z'), 2)
	FROM `projects` p WHERE p.`id` = `users`.`project_id`
) WHERE `search_text` != '';
--> statement-breakpoint
CREATE VIRTUAL TABLE `users_fts` USING fts5(
	search_text,
	content='users',
	content_rowid='seq',
	tokenize='unicode61 remove_diacritics 2',
	prefix='9 10 11'
);
--> statement-breakpoint
INSERT INTO `users_fts`(`users_fts`) VALUES ('rebuild');
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
