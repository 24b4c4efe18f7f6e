CREATE TABLE `usage_customer_days` (
	`customer_id` integer NOT NULL,
	`day` text NOT NULL,
	`bytes_down` integer DEFAULT 0 NOT NULL,
	`bytes_up` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`customer_id`, `day`)
);
--> statement-breakpoint
CREATE TABLE `request_keys` (
	`key` text PRIMARY KEY NOT NULL,
	`sender` text NOT NULL,
	`action` text NOT NULL,
	`result` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `request_keys_by_age` ON `request_keys` (`created_at`);--> statement-breakpoint
CREATE TABLE `ticket_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`ticket_id` integer NOT NULL,
	`author` text NOT NULL,
	`staff_username` text,
	`internal` integer DEFAULT false NOT NULL,
	`body` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `ticket_messages_by_ticket` ON `ticket_messages` (`ticket_id`,`id`);--> statement-breakpoint
CREATE TABLE `tickets` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`customer_id` integer NOT NULL,
	`subject` text NOT NULL,
	`category` text DEFAULT 'other' NOT NULL,
	`priority` text DEFAULT 'normal' NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`assignee` text,
	`opened_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`first_response_due_at` integer,
	`first_responded_at` integer,
	`resolve_due_at` integer,
	`resolved_at` integer,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `tickets_by_customer` ON `tickets` (`customer_id`,`updated_at`);--> statement-breakpoint
CREATE INDEX `tickets_by_status` ON `tickets` (`status`,`updated_at`);--> statement-breakpoint
CREATE INDEX `tickets_by_assignee` ON `tickets` (`assignee`,`status`);--> statement-breakpoint
ALTER TABLE `subscriptions` ADD `paused_at` integer;--> statement-breakpoint
ALTER TABLE `staff` ADD `language` text;