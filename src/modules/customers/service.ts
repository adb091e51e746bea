// The customers component: each user's Stripe customer (stripe-customers.ts), and customers as
// the merchant API and the console look them up (directory.ts).
export { CustomerDirectory } from './service/directory.ts';
export { StripeCustomersService } from './service/stripe-customers.ts';
