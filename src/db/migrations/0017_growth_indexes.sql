CREATE INDEX IF NOT EXISTS "audit_entries_actor_idx" ON "audit_entries" USING btree ("actor_type","actor_id","id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "audit_entries_action_idx" ON "audit_entries" USING btree ("action","id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "orders_created_idx" ON "orders" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "payments_decline_code_idx" ON "payments" USING btree ("decline_code") WHERE decline_code is not null;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "payments_charge_idx" ON "payments" USING btree ("stripe_charge_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "refunds_order_idx" ON "refunds" USING btree ("order_id");