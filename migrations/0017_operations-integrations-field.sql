CREATE TABLE `equipment` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`model` text NOT NULL,
	`serial` text NOT NULL,
	`mac` text,
	`status` text DEFAULT 'in_stock' NOT NULL,
	`customer_id` integer,
	`site` text,
	`notes` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `equipment_serial` ON `equipment` (`serial`);--> statement-breakpoint
CREATE INDEX `equipment_mac` ON `equipment` (`mac`);--> statement-breakpoint
CREATE INDEX `equipment_by_status` ON `equipment` (`status`,`kind`);--> statement-breakpoint
CREATE INDEX `equipment_by_customer` ON `equipment` (`customer_id`);--> statement-breakpoint
CREATE TABLE `field_job_checks` (
	`job_id` integer NOT NULL,
	`position` integer NOT NULL,
	`label` text NOT NULL,
	`done_at` integer,
	`done_by` text,
	PRIMARY KEY(`job_id`, `position`),
	FOREIGN KEY (`job_id`) REFERENCES `field_jobs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `field_job_equipment` (
	`job_id` integer NOT NULL,
	`equipment_id` integer NOT NULL,
	`action` text NOT NULL,
	PRIMARY KEY(`job_id`, `equipment_id`, `action`),
	FOREIGN KEY (`job_id`) REFERENCES `field_jobs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`equipment_id`) REFERENCES `equipment`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `field_jobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`customer_id` integer NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`scheduled_at` integer,
	`technician_id` integer,
	`address` text,
	`notes` text,
	`activates_service` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` text NOT NULL,
	`updated_at` integer NOT NULL,
	`completed_at` integer,
	`completed_by` text,
	`completion_note` text,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`technician_id`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `field_jobs_by_status` ON `field_jobs` (`status`,`scheduled_at`);--> statement-breakpoint
CREATE INDEX `field_jobs_by_technician` ON `field_jobs` (`technician_id`,`scheduled_at`);--> statement-breakpoint
CREATE INDEX `field_jobs_by_customer` ON `field_jobs` (`customer_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `api_tokens` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`token_hash` text NOT NULL,
	`hint` text NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` text NOT NULL,
	`expires_at` integer,
	`last_used_at` integer,
	`revoked_at` integer,
	`revoked_by` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_hash` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` integer NOT NULL,
	`endpoint_id` integer NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_status_code` integer,
	`last_error` text,
	`delivered_at` integer,
	FOREIGN KEY (`event_id`) REFERENCES `webhook_events`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`endpoint_id`) REFERENCES `webhook_endpoints`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_deliveries_once` ON `webhook_deliveries` (`event_id`,`endpoint_id`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_due` ON `webhook_deliveries` (`next_attempt_at`,`id`) WHERE "webhook_deliveries"."status" = 'queued';--> statement-breakpoint
CREATE INDEX `webhook_deliveries_by_endpoint` ON `webhook_deliveries` (`endpoint_id`,`id`);--> statement-breakpoint
CREATE TABLE `webhook_endpoints` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`url` text NOT NULL,
	`secret_sealed` text NOT NULL,
	`events` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`description` text,
	`created_at` integer NOT NULL,
	`created_by` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `webhook_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`type` text NOT NULL,
	`payload` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `webhook_events_by_time` ON `webhook_events` (`created_at`);--> statement-breakpoint
CREATE TABLE `nas_load_samples` (
	`at` integer NOT NULL,
	`nas_id` integer NOT NULL,
	`open_sessions` integer NOT NULL,
	PRIMARY KEY(`at`, `nas_id`)
);
--> statement-breakpoint
CREATE TABLE `usage_customer_months` (
	`month` text NOT NULL,
	`customer_id` integer NOT NULL,
	`bytes_down` integer DEFAULT 0 NOT NULL,
	`bytes_up` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`month`, `customer_id`)
);
--> statement-breakpoint
CREATE TABLE `usage_plan_days` (
	`day` text NOT NULL,
	`plan_id` integer NOT NULL,
	`customers` integer DEFAULT 0 NOT NULL,
	`bytes_down` integer DEFAULT 0 NOT NULL,
	`bytes_up` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`day`, `plan_id`)
);
--> statement-breakpoint
ALTER TABLE `customers` ADD `erased_at` integer;--> statement-breakpoint
ALTER TABLE `staff` ADD `email` text;--> statement-breakpoint
CREATE INDEX `customer_events_by_kind` ON `customer_events` (`kind`,`at`);--> statement-breakpoint
CREATE INDEX `payments_by_received_method` ON `payments` (`received_at`,`method`,`currency`,`amount_minor`);