CREATE TABLE `nas` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`ip` text NOT NULL,
	`secret_sealed` text NOT NULL,
	`require_message_authenticator` text DEFAULT 'auto' NOT NULL,
	`message_authenticator_seen_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `nas_name_unique` ON `nas` (`name`);--> statement-breakpoint
CREATE UNIQUE INDEX `nas_ip_unique` ON `nas` (`ip`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`nas_id` integer NOT NULL,
	`acct_session_id` text NOT NULL,
	`username` text NOT NULL,
	`started_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`stopped_at` integer,
	`session_time` integer DEFAULT 0 NOT NULL,
	`input_octets` integer DEFAULT 0 NOT NULL,
	`output_octets` integer DEFAULT 0 NOT NULL,
	`input_packets` integer DEFAULT 0 NOT NULL,
	`output_packets` integer DEFAULT 0 NOT NULL,
	`framed_ip` text,
	`calling_station_id` text,
	`called_station_id` text,
	`nas_port_id` text,
	`terminate_cause` text,
	FOREIGN KEY (`nas_id`) REFERENCES `nas`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sessions_nas_session_user` ON `sessions` (`nas_id`,`acct_session_id`,`username`);--> statement-breakpoint
CREATE INDEX `sessions_open_by_user` ON `sessions` (`username`) WHERE stopped_at IS NULL;--> statement-breakpoint
CREATE INDEX `sessions_open_by_nas` ON `sessions` (`nas_id`) WHERE stopped_at IS NULL;--> statement-breakpoint
CREATE INDEX `sessions_started` ON `sessions` (`started_at`);--> statement-breakpoint
CREATE TABLE `customers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`username` text NOT NULL,
	`password_sealed` text NOT NULL,
	`plan_id` integer,
	`status` text DEFAULT 'active' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`plan_id`) REFERENCES `plans`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `customers_username_unique` ON `customers` (`username`);--> statement-breakpoint
CREATE TABLE `plans` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`price_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`duration_seconds` integer,
	`rate_limit` text,
	`data_bytes` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `plans_name_unique` ON `plans` (`name`);--> statement-breakpoint
CREATE TABLE `staff` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`username` text NOT NULL,
	`password_hash` text NOT NULL,
	`role` text NOT NULL,
	`must_change_password` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `staff_username_unique` ON `staff` (`username`);