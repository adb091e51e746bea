CREATE TABLE "merchant_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"type" text NOT NULL,
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "merchant_webhook_attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"delivery_id" bigint NOT NULL,
	"endpoint_id" uuid NOT NULL,
	"attempted_at" timestamp with time zone NOT NULL,
	"duration_ms" integer NOT NULL,
	"request" jsonb NOT NULL,
	"response_status" integer,
	"response_body" text,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "merchant_webhook_deliveries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"endpoint_id" uuid NOT NULL,
	"event_id" uuid NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "merchant_webhook_endpoints" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"url" text NOT NULL,
	"description" text,
	"events" jsonb NOT NULL,
	"secret" text NOT NULL,
	"previous_secret" text,
	"previous_secret_expires_at" timestamp with time zone,
	"status" text DEFAULT 'enabled' NOT NULL,
	"disabled_reason" text,
	"disabled_at" timestamp with time zone,
	"failing_since" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "merchant_webhook_attempts" ADD CONSTRAINT "merchant_webhook_attempts_delivery_id_merchant_webhook_deliveries_id_fk" FOREIGN KEY ("delivery_id") REFERENCES "public"."merchant_webhook_deliveries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "merchant_webhook_attempts" ADD CONSTRAINT "merchant_webhook_attempts_endpoint_id_merchant_webhook_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."merchant_webhook_endpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "merchant_webhook_deliveries" ADD CONSTRAINT "merchant_webhook_deliveries_endpoint_id_merchant_webhook_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."merchant_webhook_endpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "merchant_webhook_deliveries" ADD CONSTRAINT "merchant_webhook_deliveries_event_id_merchant_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."merchant_events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "merchant_events_created_idx" ON "merchant_events" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "merchant_events_type_created_idx" ON "merchant_events" USING btree ("type","created_at");--> statement-breakpoint
CREATE INDEX "merchant_webhook_attempts_endpoint_idx" ON "merchant_webhook_attempts" USING btree ("endpoint_id","id");--> statement-breakpoint
CREATE INDEX "merchant_webhook_deliveries_due_idx" ON "merchant_webhook_deliveries" USING btree ("next_attempt_at") WHERE "merchant_webhook_deliveries"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "merchant_webhook_deliveries_endpoint_idx" ON "merchant_webhook_deliveries" USING btree ("endpoint_id","id");