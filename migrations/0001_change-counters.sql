CREATE TABLE `change_counters` (
	`name` text PRIMARY KEY NOT NULL,
	`version` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
INSERT INTO `change_counters` (`name`, `version`) VALUES ('subscribers', 0);
--> statement-breakpoint
-- What AAA caches about a login (customer + plan) changes only through these tables.
CREATE TRIGGER `customers_changed_insert` AFTER INSERT ON `customers` BEGIN
	UPDATE `change_counters` SET `version` = `version` + 1 WHERE `name` = 'subscribers';
END;
--> statement-breakpoint
CREATE TRIGGER `customers_changed_update` AFTER UPDATE ON `customers` BEGIN
	UPDATE `change_counters` SET `version` = `version` + 1 WHERE `name` = 'subscribers';
END;
--> statement-breakpoint
CREATE TRIGGER `customers_changed_delete` AFTER DELETE ON `customers` BEGIN
	UPDATE `change_counters` SET `version` = `version` + 1 WHERE `name` = 'subscribers';
END;
--> statement-breakpoint
CREATE TRIGGER `plans_changed_insert` AFTER INSERT ON `plans` BEGIN
	UPDATE `change_counters` SET `version` = `version` + 1 WHERE `name` = 'subscribers';
END;
--> statement-breakpoint
CREATE TRIGGER `plans_changed_update` AFTER UPDATE ON `plans` BEGIN
	UPDATE `change_counters` SET `version` = `version` + 1 WHERE `name` = 'subscribers';
END;
--> statement-breakpoint
CREATE TRIGGER `plans_changed_delete` AFTER DELETE ON `plans` BEGIN
	UPDATE `change_counters` SET `version` = `version` + 1 WHERE `name` = 'subscribers';
END;
