ALTER TABLE `webhook_events` ADD `settled` integer;--> statement-breakpoint
CREATE INDEX `webhook_events_unsettled` ON `webhook_events` (`queued`) WHERE "webhook_events"."settled" IS NULL AND "webhook_events"."queued" IS NOT NULL;--> statement-breakpoint
-- Hand-written: events handed over before this migration with nothing left to deliver
-- count as settled, so the stalled-event sweep does not re-send the whole history.
UPDATE `webhook_events` SET `settled` = `queued`
WHERE `queued` IS NOT NULL
	AND NOT EXISTS (SELECT 1 FROM `webhook_deliveries` d WHERE d.`event_id` = `webhook_events`.`id` AND d.`status` = 'pending');
