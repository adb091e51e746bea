-- The audit chain is sealed after commit instead of under a global lock inside every audited
-- transaction (ADR 018). Entries get a place in the chain (seq) when sealed; until then seq,
-- prev_hash and hash are null.
ALTER TABLE "audit_entries" ALTER COLUMN "prev_hash" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_entries" ALTER COLUMN "hash" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_entries" ADD COLUMN "seq" bigint;--> statement-breakpoint
-- Entries written before were chained in id order under the lock: that order is their place.
ALTER TABLE "audit_entries" DISABLE TRIGGER audit_entries_append_only;--> statement-breakpoint
UPDATE "audit_entries" AS a SET seq = o.n
  FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM "audit_entries") AS o
 WHERE a.id = o.id;--> statement-breakpoint
ALTER TABLE "audit_entries" ENABLE TRIGGER audit_entries_append_only;--> statement-breakpoint
CREATE UNIQUE INDEX "audit_entries_seq_key" ON "audit_entries" USING btree ("seq");--> statement-breakpoint
CREATE INDEX "audit_entries_unsealed_idx" ON "audit_entries" USING btree ("id") WHERE seq IS NULL;--> statement-breakpoint
-- Still append-only: the one change let through is sealing, once, of an unsealed entry, with
-- every column of its content unchanged.
CREATE OR REPLACE FUNCTION audit_entries_refuse_change() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
     AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
     AND (NEW.id, NEW.occurred_at, NEW.actor_type, NEW.actor_id, NEW.action, NEW.target_type,
          NEW.target_id, NEW.before, NEW.after, NEW.stripe_request_id, NEW.stripe_event_id,
          NEW.ip, NEW.request_id)
         IS NOT DISTINCT FROM
         (OLD.id, OLD.occurred_at, OLD.actor_type, OLD.actor_id, OLD.action, OLD.target_type,
          OLD.target_id, OLD.before, OLD.after, OLD.stripe_request_id, OLD.stripe_event_id,
          OLD.ip, OLD.request_id)
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_entries is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
