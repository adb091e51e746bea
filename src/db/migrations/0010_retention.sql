-- Retention (ADR 024). Audit entries of hash version 2 hash a commitment to their IP (an HMAC
-- keyed with a per-entry salt) instead of the IP, so the retention job can erase the IP and the
-- salt and the chain still verifies. Existing entries keep version 1 (the default here): their
-- hash covers the IP itself, so their IP stays. New entries are written as version 2.
ALTER TABLE "audit_entries" ADD COLUMN "hash_version" smallint DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_entries" ADD COLUMN "ip_salt" text;--> statement-breakpoint
ALTER TABLE "audit_entries" ADD COLUMN "ip_commitment" text;--> statement-breakpoint
CREATE INDEX "audit_entries_ip_held_idx" ON "audit_entries" USING btree ("occurred_at") WHERE ip_salt IS NOT NULL;--> statement-breakpoint
-- Still append-only. Two changes are let through: sealing an unsealed entry once with its content
-- unchanged (ADR 018), and erasing a sealed version-2 entry's IP and salt with everything else
-- unchanged (ADR 024). Everything else — other updates, DELETE, TRUNCATE — is refused.
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
  RAISE EXCEPTION 'audit_entries is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
