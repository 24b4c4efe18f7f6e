CREATE TABLE `change_counters` (
	`name` text PRIMARY KEY NOT NULL,
	`version` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
INSERT INTO `change_counters` (`name`, `version`) VALUES ('subscribers', 0), ('routers', 0);
--> statement-breakpoint
-- What the RADIUS path keeps in memory changes only through these tables.
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
--> statement-breakpoint
CREATE TRIGGER `nas_changed_insert` AFTER INSERT ON `nas` BEGIN
	UPDATE `change_counters` SET `version` = `version` + 1 WHERE `name` = 'routers';
END;
--> statement-breakpoint
CREATE TRIGGER `nas_changed_update` AFTER UPDATE ON `nas` BEGIN
	UPDATE `change_counters` SET `version` = `version` + 1 WHERE `name` = 'routers';
END;
--> statement-breakpoint
CREATE TRIGGER `nas_changed_delete` AFTER DELETE ON `nas` BEGIN
	UPDATE `change_counters` SET `version` = `version` + 1 WHERE `name` = 'routers';
END;
