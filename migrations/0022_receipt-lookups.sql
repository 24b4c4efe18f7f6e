CREATE TABLE `receipt_lookups` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`provider` text NOT NULL,
	`receipt` text NOT NULL,
	`mac` text,
	`status` text NOT NULL,
	`conversation_id` text,
	`originator_conversation_id` text,
	`result_code` text,
	`result_desc` text,
	`attempt_id` integer,
	`created_at` integer NOT NULL,
	`answered_at` integer,
	FOREIGN KEY (`attempt_id`) REFERENCES `payment_attempts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `receipt_lookups_key_unique` ON `receipt_lookups` (`key`);--> statement-breakpoint
CREATE INDEX `receipt_lookups_conversation` ON `receipt_lookups` (`conversation_id`);--> statement-breakpoint
CREATE INDEX `receipt_lookups_originator` ON `receipt_lookups` (`originator_conversation_id`);--> statement-breakpoint
CREATE INDEX `receipt_lookups_receipt` ON `receipt_lookups` (`receipt`,`created_at`);--> statement-breakpoint
CREATE INDEX `receipt_lookups_created` ON `receipt_lookups` (`created_at`);--> statement-breakpoint
CREATE INDEX `customers_by_phone` ON `customers` (`phone`) WHERE phone IS NOT NULL;--> statement-breakpoint
CREATE INDEX `payment_attempts_by_phone` ON `payment_attempts` (`phone`,`id`) WHERE phone IS NOT NULL;