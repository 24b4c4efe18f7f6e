CREATE TABLE `usage_daily` (
	`day` text NOT NULL,
	`nas_id` integer NOT NULL,
	`bytes_down` integer DEFAULT 0 NOT NULL,
	`bytes_up` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`day`, `nas_id`)
);
--> statement-breakpoint
CREATE TABLE `usage_user_days` (
	`day` text NOT NULL,
	`user` text NOT NULL,
	PRIMARY KEY(`day`, `user`)
);
--> statement-breakpoint
ALTER TABLE `voucher_batches` ADD `create_key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `voucher_batches_create_key_unique` ON `voucher_batches` (`create_key`);--> statement-breakpoint
CREATE INDEX `sessions_by_customer` ON `sessions` (`customer_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `sessions_by_user` ON `sessions` (`username`,`started_at`);--> statement-breakpoint
CREATE INDEX `invoices_issued` ON `invoices` (`issued_at`);--> statement-breakpoint
CREATE INDEX `payments_by_received` ON `payments` (`received_at`,`currency`,`amount_minor`);--> statement-breakpoint
CREATE INDEX `payments_by_customer` ON `payments` (`customer_id`,`received_at`);--> statement-breakpoint
CREATE INDEX `audit_by_username` ON `audit_log` (json_extract(`detail`, '$.username'));--> statement-breakpoint
CREATE INDEX `messages_recipient` ON `messages` (`recipient`,`id`);