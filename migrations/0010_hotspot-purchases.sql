ALTER TABLE `payment_attempts` ADD `plan_id` integer REFERENCES plans(id);--> statement-breakpoint
-- Each sale bumps its batch's count: only changes RADIUS reads should empty the subscriber cache.
DROP TRIGGER IF EXISTS `voucher_batches_changed`;--> statement-breakpoint
CREATE TRIGGER `voucher_batches_changed` AFTER UPDATE OF `use_before`, `mac_lock`, `nas_ids` ON `voucher_batches` BEGIN
	INSERT INTO `subscriber_changes` (`scope`, `customer_id`) VALUES ('all', NULL);
END;
