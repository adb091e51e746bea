CREATE TABLE "event_count_minutes" (
	"minute" timestamp with time zone NOT NULL,
	"instance" text NOT NULL,
	"name" text NOT NULL,
	"count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "event_count_minutes_name_minute_instance_pk" PRIMARY KEY("name","minute","instance")
);
--> statement-breakpoint
ALTER TABLE "alert_notifications" ADD COLUMN "next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL;