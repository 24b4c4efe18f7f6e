CREATE TABLE `router_api` (
	`nas_id` integer PRIMARY KEY NOT NULL,
	`host` text NOT NULL,
	`port` integer DEFAULT 8728 NOT NULL,
	`tls` integer DEFAULT false NOT NULL,
	`username` text NOT NULL,
	`password_sealed` text NOT NULL,
	`site` text,
	`model` text,
	`monitor` integer DEFAULT true NOT NULL,
	`routeros_version` text,
	`board_name` text,
	`last_contact_at` integer,
	`last_error_kind` text,
	`last_error_detail` text,
	`last_error_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`nas_id`) REFERENCES `nas`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `router_health_buckets` (
	`nas_id` integer NOT NULL,
	`bucket` integer NOT NULL,
	`polls` integer DEFAULT 0 NOT NULL,
	`failures` integer DEFAULT 0 NOT NULL,
	`cpu_max` integer DEFAULT 0 NOT NULL,
	`cpu_sum` integer DEFAULT 0 NOT NULL,
	`memory_used_max` integer DEFAULT 0 NOT NULL,
	`memory_total` integer DEFAULT 0 NOT NULL,
	`uptime_seconds` integer DEFAULT 0 NOT NULL,
	`hotspot_users_max` integer DEFAULT 0 NOT NULL,
	`ppp_users_max` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`nas_id`, `bucket`)
);
--> statement-breakpoint
CREATE TABLE `router_interface_buckets` (
	`nas_id` integer NOT NULL,
	`bucket` integer NOT NULL,
	`iface` text NOT NULL,
	`rx_bytes` integer DEFAULT 0 NOT NULL,
	`tx_bytes` integer DEFAULT 0 NOT NULL,
	`rx_max_bps` integer DEFAULT 0 NOT NULL,
	`tx_max_bps` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`nas_id`, `iface`, `bucket`)
);
--> statement-breakpoint
CREATE TABLE `router_user_buckets` (
	`nas_id` integer NOT NULL,
	`bucket` integer NOT NULL,
	`username` text NOT NULL,
	`up_bytes` integer DEFAULT 0 NOT NULL,
	`down_bytes` integer DEFAULT 0 NOT NULL,
	`up_max_bps` integer DEFAULT 0 NOT NULL,
	`down_max_bps` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`nas_id`, `bucket`, `username`)
);
--> statement-breakpoint
CREATE INDEX `router_user_buckets_by_user` ON `router_user_buckets` (`username`,`bucket`);