CREATE TABLE "test_clock" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"offset_ms" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- One row at most: the clock is one for the whole deployment.
ALTER TABLE "test_clock" ADD CONSTRAINT "test_clock_single_row" CHECK ("id" = 1);
