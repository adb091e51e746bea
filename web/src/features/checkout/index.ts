// The checkout feature's public entry (web/checkout.html loads it as its own page).
export { CheckoutApp } from './components/checkout-app';
