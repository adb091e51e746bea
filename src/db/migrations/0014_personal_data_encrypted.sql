-- Personal data encrypted at rest (ADR 027). The columns that will hold ciphertexts become text
-- (IP addresses were inet); users get blind indexes for lookups by email and by name words, and
-- the uniqueness of an email moves to its index. Rows written before keep their plain values
-- until the first start-up under this version encrypts them (src/db/key-rotation.ts, with its
-- progress in data_encryption_progress): SQL cannot, it has no key.
CREATE TABLE "data_encryption_progress" (
	"task" text PRIMARY KEY NOT NULL,
	"key_id" text NOT NULL,
	"last_id" text,
	"done_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DROP INDEX "users_email_key";--> statement-breakpoint
ALTER TABLE "audit_entries" ALTER COLUMN "ip" SET DATA TYPE text USING host("ip");--> statement-breakpoint
ALTER TABLE "legal_acceptances" ALTER COLUMN "ip" SET DATA TYPE text USING host("ip");--> statement-breakpoint
ALTER TABLE "sessions" ALTER COLUMN "ip" SET DATA TYPE text USING host("ip");--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "email_index" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "name_index" text[];--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_index_key" ON "users" USING btree ("email_index");--> statement-breakpoint
CREATE INDEX "users_name_index_idx" ON "users" USING gin ("name_index");--> statement-breakpoint
-- Still append-only. Besides sealing (ADR 018) and erasing a version-2 entry's IP (ADR 024), one
-- more change is let through: replacing a held IP by another non-null value with everything else
-- unchanged — its encryption at first start and its re-encryption by keys:rotate (ADR 027). The
-- IP is never hashed as stored: version 2 hashes its commitment, version 1 the plain IP, which
-- verification decrypts; so a changed IP is still caught (commitment or hash mismatch).
CREATE OR REPLACE FUNCTION audit_entries_refuse_change() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
     AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
     AND (NEW.id, NEW.occurred_at, NEW.actor_type, NEW.actor_id, NEW.action, NEW.target_type,
          NEW.target_id, NEW.before, NEW.after, NEW.stripe_request_id, NEW.stripe_event_id,
          NEW.ip, NEW.request_id, NEW.hash_version, NEW.ip_salt, NEW.ip_commitment)
         IS NOT DISTINCT FROM
         (OLD.id, OLD.occurred_at, OLD.actor_type, OLD.actor_id, OLD.action, OLD.target_type,
          OLD.target_id, OLD.before, OLD.after, OLD.stripe_request_id, OLD.stripe_event_id,
          OLD.ip, OLD.request_id, OLD.hash_version, OLD.ip_salt, OLD.ip_commitment)
  THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE'
     AND OLD.seq IS NOT NULL AND OLD.hash_version = 2
     AND NEW.ip IS NULL AND NEW.ip_salt IS NULL
     AND (NEW.id, NEW.occurred_at, NEW.actor_type, NEW.actor_id, NEW.action, NEW.target_type,
          NEW.target_id, NEW.before, NEW.after, NEW.stripe_request_id, NEW.stripe_event_id,
          NEW.request_id, NEW.hash_version, NEW.ip_commitment, NEW.seq, NEW.prev_hash, NEW.hash)
         IS NOT DISTINCT FROM
         (OLD.id, OLD.occurred_at, OLD.actor_type, OLD.actor_id, OLD.action, OLD.target_type,
          OLD.target_id, OLD.before, OLD.after, OLD.stripe_request_id, OLD.stripe_event_id,
          OLD.request_id, OLD.hash_version, OLD.ip_commitment, OLD.seq, OLD.prev_hash, OLD.hash)
  THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE'
     AND OLD.ip IS NOT NULL AND NEW.ip IS NOT NULL
     AND (NEW.id, NEW.occurred_at, NEW.actor_type, NEW.actor_id, NEW.action, NEW.target_type,
          NEW.target_id, NEW.before, NEW.after, NEW.stripe_request_id, NEW.stripe_event_id,
          NEW.request_id, NEW.hash_version, NEW.ip_salt, NEW.ip_commitment, NEW.seq,
          NEW.prev_hash, NEW.hash)
         IS NOT DISTINCT FROM
         (OLD.id, OLD.occurred_at, OLD.actor_type, OLD.actor_id, OLD.action, OLD.target_type,
          OLD.target_id, OLD.before, OLD.after, OLD.stripe_request_id, OLD.stripe_event_id,
          OLD.request_id, OLD.hash_version, OLD.ip_salt, OLD.ip_commitment, OLD.seq,
          OLD.prev_hash, OLD.hash)
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_entries is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;