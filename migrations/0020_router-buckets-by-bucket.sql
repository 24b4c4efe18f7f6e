CREATE INDEX `router_health_buckets_by_bucket` ON `router_health_buckets` (`bucket`);--> statement-breakpoint
CREATE INDEX `router_interface_buckets_by_bucket` ON `router_interface_buckets` (`bucket`);--> statement-breakpoint
CREATE INDEX `router_user_buckets_by_bucket` ON `router_user_buckets` (`bucket`);