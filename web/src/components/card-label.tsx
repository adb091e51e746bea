const BRANDS: Record<string, string> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  discover: 'Discover',
  diners: 'Diners Club',
  jcb: 'JCB',
  unionpay: 'UnionPay',
};

export function brandName(brand: string): string {
  return BRANDS[brand] ?? (brand ? brand.charAt(0).toUpperCase() + brand.slice(1) : 'Card');
}

export function expiry(month: number, year: number): string {
  return `${String(month).padStart(2, '0')}/${String(year).slice(-2)}`;
}

/** "Visa ending in 4242", for sentences and accessible names. */
export function cardText(card: { brand: string; last4: string }): string {
  return `${brandName(card.brand)} ending in ${card.last4}`;
}

/** "Visa •••• 4242"; screen readers hear "Visa ending in 4242". */
export function CardLabel({ brand, last4 }: { brand: string; last4: string }) {
  return (
    <span className="card-label">
      <span className="card-label__brand">{brandName(brand)}</span>{' '}
      <span aria-hidden="true">•••• {last4}</span>
      <span className="visually-hidden">ending in {last4}</span>
    </span>
  );
}
