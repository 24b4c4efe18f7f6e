CREATE TABLE `staff_pending_sign_ins` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`token_hash` text NOT NULL,
	`staff_id` integer NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`sms_code_hash` text,
	`sms_expires_at` integer,
	`sms_tries` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`staff_id`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `staff_pending_sign_ins_token_hash_unique` ON `staff_pending_sign_ins` (`token_hash`);--> statement-breakpoint
CREATE INDEX `staff_pending_by_expiry` ON `staff_pending_sign_ins` (`expires_at`);--> statement-breakpoint
ALTER TABLE `staff` ADD `disabled_at` integer;--> statement-breakpoint
ALTER TABLE `staff` ADD `last_sign_in_at` integer;--> statement-breakpoint
ALTER TABLE `staff` ADD `phone` text;--> statement-breakpoint
ALTER TABLE `staff` ADD `sms_sign_in` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `staff` ADD `totp_secret` text;--> statement-breakpoint
ALTER TABLE `staff` ADD `totp_last_step` integer;--> statement-breakpoint
CREATE INDEX `audit_by_actor` ON `audit_log` (`actor`,`at`);--> statement-breakpoint
CREATE INDEX `audit_by_at` ON `audit_log` (`at`);