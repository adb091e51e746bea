ALTER TABLE "orders" ADD COLUMN "success_url" text;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "cancel_url" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "checkout_order_id" uuid;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "metadata" jsonb DEFAULT '{}'::jsonb NOT NULL;