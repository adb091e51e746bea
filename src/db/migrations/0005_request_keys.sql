ALTER TABLE "orders" ADD COLUMN "request_key" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "request_key" text;--> statement-breakpoint
ALTER TABLE "refunds" ADD COLUMN "request_key" text;--> statement-breakpoint
CREATE INDEX "orders_request_key_idx" ON "orders" USING btree ("request_key") WHERE request_key is not null;--> statement-breakpoint
CREATE INDEX "payments_request_key_idx" ON "payments" USING btree ("order_id","request_key") WHERE request_key is not null;--> statement-breakpoint
CREATE INDEX "refunds_request_key_idx" ON "refunds" USING btree ("order_id","request_key") WHERE request_key is not null;