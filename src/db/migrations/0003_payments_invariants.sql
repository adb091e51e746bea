-- Invariants the database enforces whatever the application does.

-- Money: positive integers, lower-case ISO currency codes.
ALTER TABLE products ADD CONSTRAINT products_amount_positive CHECK (unit_amount > 0);
--> statement-breakpoint
ALTER TABLE products ADD CONSTRAINT products_currency_format CHECK (currency ~ '^[a-z]{3}$');
--> statement-breakpoint
ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount > 0);
--> statement-breakpoint
ALTER TABLE orders ADD CONSTRAINT orders_currency_format CHECK (currency ~ '^[a-z]{3}$');
--> statement-breakpoint
ALTER TABLE orders ADD CONSTRAINT orders_refund_bounds CHECK (amount_refunded >= 0 AND amount_refunded <= amount);
--> statement-breakpoint
ALTER TABLE order_items ADD CONSTRAINT order_items_quantity_positive CHECK (quantity > 0 AND unit_amount > 0 AND amount = unit_amount * quantity);
--> statement-breakpoint
ALTER TABLE payments ADD CONSTRAINT payments_amount_positive CHECK (amount > 0);
--> statement-breakpoint
ALTER TABLE payments ADD CONSTRAINT payments_captured_bounds CHECK (amount_captured >= 0 AND amount_captured <= amount);
--> statement-breakpoint
ALTER TABLE payments ADD CONSTRAINT payments_refunded_bounds CHECK (amount_refunded >= 0 AND amount_refunded <= amount_captured);
--> statement-breakpoint
ALTER TABLE refunds ADD CONSTRAINT refunds_amount_positive CHECK (amount > 0);
--> statement-breakpoint

-- An order has at most one payment that is in flight or has taken money: two parallel pay
-- requests (whatever their idempotency keys) cannot both charge it.
CREATE UNIQUE INDEX payments_one_active_per_order ON payments (order_id)
  WHERE status IN ('creating', 'unknown', 'requires_action', 'processing', 'requires_capture', 'succeeded');
--> statement-breakpoint

-- Amounts and currency are immutable once created.
CREATE OR REPLACE FUNCTION refuse_amount_change() RETURNS trigger AS $$
BEGIN
  IF NEW.amount IS DISTINCT FROM OLD.amount OR NEW.currency IS DISTINCT FROM OLD.currency THEN
    RAISE EXCEPTION '%: amount and currency are immutable', TG_TABLE_NAME USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER orders_amount_immutable BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION refuse_amount_change();
--> statement-breakpoint
CREATE TRIGGER payments_amount_immutable BEFORE UPDATE ON payments FOR EACH ROW EXECUTE FUNCTION refuse_amount_change();
--> statement-breakpoint
CREATE TRIGGER refunds_amount_immutable BEFORE UPDATE ON refunds FOR EACH ROW EXECUTE FUNCTION refuse_amount_change();
--> statement-breakpoint

-- Payment status transitions (mirrors src/modules/payments/state.ts).
CREATE OR REPLACE FUNCTION payments_check_transition() RETURNS trigger AS $$
DECLARE
  allowed text[];
BEGIN
  IF NEW.status = OLD.status THEN RETURN NEW; END IF;
  allowed := CASE OLD.status
    WHEN 'creating' THEN ARRAY['unknown','requires_action','processing','requires_capture','succeeded','failed','canceled']
    WHEN 'unknown' THEN ARRAY['requires_action','processing','requires_capture','succeeded','failed','canceled']
    WHEN 'requires_action' THEN ARRAY['processing','requires_capture','succeeded','failed','canceled']
    WHEN 'processing' THEN ARRAY['requires_action','requires_capture','succeeded','failed','canceled']
    WHEN 'requires_capture' THEN ARRAY['processing','succeeded','canceled']
    ELSE ARRAY[]::text[]
  END;
  IF NOT (NEW.status = ANY(allowed)) THEN
    RAISE EXCEPTION 'payment %: transition % -> % is not allowed', OLD.id, OLD.status, NEW.status
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER payments_status_transition BEFORE UPDATE OF status ON payments FOR EACH ROW EXECUTE FUNCTION payments_check_transition();
