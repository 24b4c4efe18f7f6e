DROP INDEX `messages_due`;--> statement-breakpoint
CREATE INDEX `messages_queued` ON `messages` ("critical" DESC,`next_attempt_at`,`id`) WHERE "messages"."status" = 'queued';--> statement-breakpoint
CREATE INDEX `notification_undelivered` ON `notification_events` (`id`) WHERE "notification_events"."delivered_at" IS NULL;