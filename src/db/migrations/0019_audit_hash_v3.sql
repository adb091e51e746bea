-- Audit hash version 3 (ADR 036): the content an entry's hash covers is rendered by PostgreSQL —
-- a JSON array of its fields in a fixed order, with before/after in jsonb's own canonical text —
-- so that `audit:verify` can check each entry's hash inside the database, and the sealer hashes
-- exactly the text the database gives it. The hash is sha256(prev_hash || '\n' || content), hex,
-- as for versions 1 and 2 (computeHash in audit-log.ts computes the same from this text).
-- occurred_at is rendered in UTC to the microsecond, whatever the session's time zone.
CREATE OR REPLACE FUNCTION audit_content_v3(
  occurred_at timestamptz, actor_type text, actor_id text, action text, target_type text,
  target_id text, before jsonb, after jsonb, stripe_request_id text, stripe_event_id text,
  ip_commitment text, request_id text
) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT jsonb_build_array(3,
    to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    actor_type, actor_id, action, target_type, target_id, before, after,
    stripe_request_id, stripe_event_id, ip_commitment, request_id)::text
$$;--> statement-breakpoint
-- STABLE, as what it calls: a SQL function declared more strictly than its body is not inlined,
-- and the call then costs more than the hash.
CREATE OR REPLACE FUNCTION audit_hash_v3(prev_hash text, content text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT encode(sha256(convert_to(prev_hash || E'\n' || content, 'UTF8')), 'hex')
$$;
--> statement-breakpoint
-- Still append-only, with the same three changes let through as before (migration 0014); the
-- IP's erasure now for every version that hashes a commitment instead of the IP: 2 and 3. And a
-- version-3 entry is sealed only with the hash of its own content: a sealer computing another
-- formula (an instance of an older release during an upgrade) is refused, and the entry waits
-- for one that computes this one.
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
     AND (NEW.hash_version < 3
          OR NEW.hash = audit_hash_v3(NEW.prev_hash, audit_content_v3(NEW.occurred_at,
               NEW.actor_type, NEW.actor_id, NEW.action, NEW.target_type, NEW.target_id,
               NEW.before, NEW.after, NEW.stripe_request_id, NEW.stripe_event_id,
               NEW.ip_commitment, NEW.request_id)))
  THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE'
     AND OLD.seq IS NOT NULL AND OLD.hash_version >= 2
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
