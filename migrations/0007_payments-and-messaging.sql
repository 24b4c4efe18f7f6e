CREATE TABLE `payment_attempts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`provider` text NOT NULL,
	`purpose` text NOT NULL,
	`customer_id` integer,
	`invoice_number` text,
	`amount_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`phone` text,
	`account_reference` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`provider_ref` text,
	`receipt` text,
	`settled_via` text,
	`result_code` text,
	`result_desc` text,
	`review_reason` text,
	`reviewed_at` integer,
	`reviewed_by` text,
	`payment_id` integer,
	`actor` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer,
	`next_query_at` integer,
	`queries` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`payment_id`) REFERENCES `payments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payment_attempts_key_unique` ON `payment_attempts` (`key`);--> statement-breakpoint
CREATE UNIQUE INDEX `payment_attempts_provider_ref` ON `payment_attempts` (`provider`,`provider_ref`);--> statement-breakpoint
CREATE UNIQUE INDEX `payment_attempts_receipt` ON `payment_attempts` (`provider`,`receipt`);--> statement-breakpoint
CREATE INDEX `payment_attempts_due_query` ON `payment_attempts` (`status`,`next_query_at`);--> statement-breakpoint
CREATE INDEX `payment_attempts_customer` ON `payment_attempts` (`customer_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `payment_attempts_review` ON `payment_attempts` (`review_reason`,`reviewed_at`);--> statement-breakpoint
CREATE TABLE `payment_inbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`provider` text NOT NULL,
	`route` text NOT NULL,
	`dedupe_key` text NOT NULL,
	`body` text NOT NULL,
	`source_ip` text NOT NULL,
	`received_at` integer NOT NULL,
	`duplicates` integer DEFAULT 0 NOT NULL,
	`processed_at` integer,
	`result` text,
	`attempt_id` integer,
	`review_reason` text,
	`reviewed_at` integer,
	`reviewed_by` text,
	FOREIGN KEY (`attempt_id`) REFERENCES `payment_attempts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payment_inbox_once` ON `payment_inbox` (`provider`,`route`,`dedupe_key`);--> statement-breakpoint
CREATE INDEX `payment_inbox_unprocessed` ON `payment_inbox` (`processed_at`);--> statement-breakpoint
CREATE TABLE `secrets` (
	`name` text PRIMARY KEY NOT NULL,
	`sealed` text NOT NULL,
	`updated_at` integer NOT NULL,
	`actor` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `campaigns` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`filter` text NOT NULL,
	`body` text NOT NULL,
	`recipients` integer NOT NULL,
	`parts` integer NOT NULL,
	`created_at` integer NOT NULL,
	`actor` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `delivery_reports` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`gateway` text NOT NULL,
	`gateway_message_id` text NOT NULL,
	`status` text NOT NULL,
	`failure_reason` text,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `delivery_reports_once` ON `delivery_reports` (`gateway`,`gateway_message_id`,`status`);--> statement-breakpoint
CREATE TABLE `message_templates` (
	`key` text NOT NULL,
	`language` text NOT NULL,
	`body` text NOT NULL,
	`updated_at` integer NOT NULL,
	`actor` text NOT NULL,
	PRIMARY KEY(`key`, `language`)
);
--> statement-breakpoint
CREATE TABLE `messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`channel` text DEFAULT 'sms' NOT NULL,
	`customer_id` integer,
	`recipient` text NOT NULL,
	`language` text NOT NULL,
	`template` text,
	`body` text NOT NULL,
	`parts` integer NOT NULL,
	`encoding` text NOT NULL,
	`critical` integer DEFAULT false NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`gateway` text,
	`gateway_message_id` text,
	`cost` text,
	`campaign_id` integer,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	`finished_at` integer,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_key_unique` ON `messages` (`key`);--> statement-breakpoint
CREATE INDEX `messages_due` ON `messages` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `messages_gateway_id` ON `messages` (`gateway`,`gateway_message_id`);--> statement-breakpoint
CREATE INDEX `messages_customer` ON `messages` (`customer_id`,`created_at`);