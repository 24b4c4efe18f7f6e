-- Customers' plan and period move to subscriptions, then customers is rebuilt without them
-- (db/connection.ts runs migrations with foreign keys off and checks them afterwards).
PRAGMA foreign_keys=OFF;--> statement-breakpoint
INSERT INTO `subscriptions` (`customer_id`, `plan_id`, `status`, `billing_kind`, `started_at`, `period_start`, `period_end`, `auto_renew`, `created_at`, `updated_at`)
SELECT c.`id`, c.`plan_id`, 'active', p.`billing_kind`, COALESCE(c.`activated_at`, c.`created_at`), c.`activated_at`, c.`expires_at`, 1, c.`created_at`, c.`updated_at`
FROM `customers` c JOIN `plans` p ON p.`id` = c.`plan_id`;--> statement-breakpoint
CREATE TABLE `__new_customers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`username` text NOT NULL,
	`password_sealed` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`suspended_reason` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`mac` text,
	`mac_binding` integer DEFAULT false NOT NULL,
	`static_ip` text,
	`full_name` text,
	`phone` text,
	`email` text,
	`billing_address` text,
	`service_location` text,
	`language` text DEFAULT 'en' NOT NULL,
	`currency` text DEFAULT 'KES' NOT NULL,
	`tax_exempt` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_customers`("id", "username", "password_sealed", "status", "suspended_reason", "created_at", "updated_at", "mac", "mac_binding", "static_ip", "full_name", "phone", "email", "billing_address", "service_location", "language", "currency", "tax_exempt") SELECT "id", "username", "password_sealed", "status", "suspended_reason", "created_at", "updated_at", "mac", "mac_binding", "static_ip", "full_name", "phone", "email", "billing_address", "service_location", "language", "currency", "tax_exempt" FROM `customers`;--> statement-breakpoint
DROP TABLE `customers`;--> statement-breakpoint
ALTER TABLE `__new_customers` RENAME TO `customers`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `customers_username_unique` ON `customers` (`username`);--> statement-breakpoint
CREATE UNIQUE INDEX `customers_mac_unique` ON `customers` (`mac`);--> statement-breakpoint
-- Rebuilding customers dropped its change-counter triggers (0001); subscriptions feed the same counter.
CREATE TRIGGER `customers_changed_insert` AFTER INSERT ON `customers` BEGIN
	UPDATE `change_counters` SET `version` = `version` + 1 WHERE `name` = 'subscribers';
END;--> statement-breakpoint
CREATE TRIGGER `customers_changed_update` AFTER UPDATE ON `customers` BEGIN
	UPDATE `change_counters` SET `version` = `version` + 1 WHERE `name` = 'subscribers';
END;--> statement-breakpoint
CREATE TRIGGER `customers_changed_delete` AFTER DELETE ON `customers` BEGIN
	UPDATE `change_counters` SET `version` = `version` + 1 WHERE `name` = 'subscribers';
END;--> statement-breakpoint
CREATE TRIGGER `subscriptions_changed_insert` AFTER INSERT ON `subscriptions` BEGIN
	UPDATE `change_counters` SET `version` = `version` + 1 WHERE `name` = 'subscribers';
END;--> statement-breakpoint
CREATE TRIGGER `subscriptions_changed_update` AFTER UPDATE ON `subscriptions` BEGIN
	UPDATE `change_counters` SET `version` = `version` + 1 WHERE `name` = 'subscribers';
END;--> statement-breakpoint
CREATE TRIGGER `subscriptions_changed_delete` AFTER DELETE ON `subscriptions` BEGIN
	UPDATE `change_counters` SET `version` = `version` + 1 WHERE `name` = 'subscribers';
END;
