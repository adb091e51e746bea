-- The card a payment was made with, as Stripe reported it (brand, last 4, expiry): receipts and
-- the console name the card whether or not it is still in the customer's wallet. Nullable: Stripe
-- tells us only once it has the card, and older payments never recorded it.
ALTER TABLE "payments" ADD COLUMN "card_brand" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "card_last4" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "card_exp_month" integer;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "card_exp_year" integer;
