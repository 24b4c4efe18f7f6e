CREATE TABLE `enforcement_actions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`session_id` integer NOT NULL,
	`kind` text NOT NULL,
	`reason` text NOT NULL,
	`rate_limit` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`error_cause` text,
	`created_at` integer NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`session_id`) REFERENCES `sessions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `enforcement_pending` ON `enforcement_actions` (`status`,`id`);--> statement-breakpoint
CREATE INDEX `enforcement_by_session` ON `enforcement_actions` (`session_id`);--> statement-breakpoint
CREATE TABLE `notification_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`customer_id` integer NOT NULL,
	`kind` text NOT NULL,
	`period_start` integer NOT NULL,
	`created_at` integer NOT NULL,
	`delivered_at` integer,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `notification_once` ON `notification_events` (`customer_id`,`kind`,`period_start`);--> statement-breakpoint
CREATE TABLE `usage` (
	`customer_id` integer NOT NULL,
	`period_start` integer NOT NULL,
	`input_octets` integer DEFAULT 0 NOT NULL,
	`output_octets` integer DEFAULT 0 NOT NULL,
	`online_seconds` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`customer_id`, `period_start`),
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `sessions` ADD `customer_id` integer;--> statement-breakpoint
ALTER TABLE `sessions` ADD `period_start` integer;--> statement-breakpoint
CREATE INDEX `sessions_open_by_customer` ON `sessions` (`customer_id`) WHERE stopped_at IS NULL;--> statement-breakpoint
ALTER TABLE `customers` ADD `activated_at` integer;--> statement-breakpoint
ALTER TABLE `customers` ADD `expires_at` integer;--> statement-breakpoint
ALTER TABLE `customers` ADD `mac` text;--> statement-breakpoint
ALTER TABLE `customers` ADD `mac_binding` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `customers` ADD `static_ip` text;--> statement-breakpoint
CREATE UNIQUE INDEX `customers_mac_unique` ON `customers` (`mac`);--> statement-breakpoint
ALTER TABLE `plans` ADD `billing_kind` text DEFAULT 'prepaid' NOT NULL;--> statement-breakpoint
ALTER TABLE `plans` ADD `validity_months` integer;--> statement-breakpoint
ALTER TABLE `plans` ADD `validity_starts` text DEFAULT 'purchase' NOT NULL;--> statement-breakpoint
ALTER TABLE `plans` ADD `time_allowance_seconds` integer;--> statement-breakpoint
ALTER TABLE `plans` ADD `data_counts` text DEFAULT 'total' NOT NULL;--> statement-breakpoint
ALTER TABLE `plans` ADD `fup_tiers` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `plans` ADD `shared_users` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `plans` ADD `idle_timeout_seconds` integer;--> statement-breakpoint
ALTER TABLE `plans` ADD `interim_interval_seconds` integer;--> statement-breakpoint
ALTER TABLE `plans` ADD `window_start_minute` integer;--> statement-breakpoint
ALTER TABLE `plans` ADD `window_end_minute` integer;--> statement-breakpoint
ALTER TABLE `plans` ADD `address_list` text;--> statement-breakpoint
ALTER TABLE `plans` ADD `ip_pool` text;