CREATE TABLE `voucher_batches` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`plan_id` integer NOT NULL,
	`count` integer NOT NULL,
	`code_length` integer NOT NULL,
	`prefix` text DEFAULT '' NOT NULL,
	`password_mode` text NOT NULL,
	`price_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`use_before` integer,
	`mac_lock` integer DEFAULT false NOT NULL,
	`nas_ids` text,
	`seller` text,
	`created_at` integer NOT NULL,
	`actor` text NOT NULL,
	FOREIGN KEY (`plan_id`) REFERENCES `plans`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `voucher_batches_name_unique` ON `voucher_batches` (`name`);--> statement-breakpoint
CREATE TABLE `vouchers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`batch_id` integer NOT NULL,
	`customer_id` integer NOT NULL,
	`code` text NOT NULL,
	`serial` integer NOT NULL,
	`locked_mac` text,
	`revoked_at` integer,
	`revoked_by` text,
	`revoke_reason` text,
	FOREIGN KEY (`batch_id`) REFERENCES `voucher_batches`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `vouchers_customer_id_unique` ON `vouchers` (`customer_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `vouchers_code_unique` ON `vouchers` (`code`);--> statement-breakpoint
CREATE INDEX `vouchers_batch` ON `vouchers` (`batch_id`,`serial`);--> statement-breakpoint
ALTER TABLE `customers` ADD `kind` text DEFAULT 'customer' NOT NULL;--> statement-breakpoint
-- The RADIUS subscriber cache reads vouchers and their batch with the customer: a revoked or
-- newly locked code must be forgotten like any other change to the account.
CREATE TRIGGER `vouchers_changed` AFTER UPDATE ON `vouchers` BEGIN
	INSERT INTO `subscriber_changes` (`scope`, `customer_id`) VALUES ('one', NEW.`customer_id`);
END;--> statement-breakpoint
CREATE TRIGGER `voucher_batches_changed` AFTER UPDATE ON `voucher_batches` BEGIN
	INSERT INTO `subscriber_changes` (`scope`, `customer_id`) VALUES ('all', NULL);
END;
