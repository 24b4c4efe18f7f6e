CREATE TABLE `instalments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`invoice_id` integer NOT NULL,
	`due_at` integer NOT NULL,
	`amount_minor` integer NOT NULL,
	`created_at` integer NOT NULL,
	`actor` text NOT NULL,
	FOREIGN KEY (`invoice_id`) REFERENCES `invoices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `instalments_by_invoice` ON `instalments` (`invoice_id`,`due_at`);