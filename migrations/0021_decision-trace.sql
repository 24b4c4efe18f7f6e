CREATE TABLE `auth_decisions` (
	`id` integer PRIMARY KEY NOT NULL,
	`at` integer NOT NULL,
	`nas_id` integer,
	`nas_ip` text NOT NULL,
	`username` text NOT NULL,
	`mac` text,
	`customer_id` integer,
	`result` text NOT NULL,
	`reason` text NOT NULL,
	`detail` text,
	`reply` text
);
--> statement-breakpoint
CREATE INDEX `auth_decisions_by_customer` ON `auth_decisions` (`customer_id`,`id`);--> statement-breakpoint
CREATE INDEX `auth_decisions_by_user` ON `auth_decisions` (`username`,`id`);--> statement-breakpoint
CREATE INDEX `auth_decisions_by_mac` ON `auth_decisions` (`mac`,`id`) WHERE mac IS NOT NULL;