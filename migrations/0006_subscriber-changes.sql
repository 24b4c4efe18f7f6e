CREATE TABLE `subscriber_changes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`customer_id` integer,
	`scope` text NOT NULL
);--> statement-breakpoint
-- Per-customer change records replace the whole-cache 'subscribers' counter bumps (0001, 0004).
DELETE FROM `change_counters` WHERE `name` = 'subscribers';--> statement-breakpoint
DROP TRIGGER IF EXISTS `customers_changed_insert`;--> statement-breakpoint
DROP TRIGGER IF EXISTS `customers_changed_update`;--> statement-breakpoint
DROP TRIGGER IF EXISTS `customers_changed_delete`;--> statement-breakpoint
DROP TRIGGER IF EXISTS `subscriptions_changed_insert`;--> statement-breakpoint
DROP TRIGGER IF EXISTS `subscriptions_changed_update`;--> statement-breakpoint
DROP TRIGGER IF EXISTS `subscriptions_changed_delete`;--> statement-breakpoint
DROP TRIGGER IF EXISTS `plans_changed_insert`;--> statement-breakpoint
DROP TRIGGER IF EXISTS `plans_changed_update`;--> statement-breakpoint
DROP TRIGGER IF EXISTS `plans_changed_delete`;--> statement-breakpoint
CREATE TRIGGER `customers_added` AFTER INSERT ON `customers` BEGIN
	INSERT INTO `subscriber_changes` (`scope`, `customer_id`) VALUES ('new', NEW.`id`);
END;--> statement-breakpoint
CREATE TRIGGER `customers_changed` AFTER UPDATE ON `customers` BEGIN
	INSERT INTO `subscriber_changes` (`scope`, `customer_id`) VALUES ('one', NEW.`id`);
END;--> statement-breakpoint
CREATE TRIGGER `customers_renamed` AFTER UPDATE OF `username`, `mac` ON `customers` BEGIN
	INSERT INTO `subscriber_changes` (`scope`, `customer_id`) VALUES ('new', NEW.`id`);
END;--> statement-breakpoint
CREATE TRIGGER `customers_removed` AFTER DELETE ON `customers` BEGIN
	INSERT INTO `subscriber_changes` (`scope`, `customer_id`) VALUES ('one', OLD.`id`);
END;--> statement-breakpoint
CREATE TRIGGER `subscriptions_added` AFTER INSERT ON `subscriptions` BEGIN
	INSERT INTO `subscriber_changes` (`scope`, `customer_id`) VALUES ('one', NEW.`customer_id`);
END;--> statement-breakpoint
CREATE TRIGGER `subscriptions_changed` AFTER UPDATE ON `subscriptions` BEGIN
	INSERT INTO `subscriber_changes` (`scope`, `customer_id`) VALUES ('one', NEW.`customer_id`);
END;--> statement-breakpoint
CREATE TRIGGER `subscriptions_removed` AFTER DELETE ON `subscriptions` BEGIN
	INSERT INTO `subscriber_changes` (`scope`, `customer_id`) VALUES ('one', OLD.`customer_id`);
END;--> statement-breakpoint
CREATE TRIGGER `plans_changed` AFTER UPDATE ON `plans` BEGIN
	INSERT INTO `subscriber_changes` (`scope`, `customer_id`) VALUES ('all', NULL);
END;--> statement-breakpoint
CREATE TRIGGER `plans_removed` AFTER DELETE ON `plans` BEGIN
	INSERT INTO `subscriber_changes` (`scope`, `customer_id`) VALUES ('all', NULL);
END;
