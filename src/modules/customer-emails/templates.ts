// The emails' words: one function per message, each giving a subject, a plain-text body and an
// HTML body. Plain template literals: five short messages do not need a template engine. Every
// value put into HTML goes through `escape`; amounts go through the one money formatter.
import { formatMoney } from '../../lib/money.ts';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escape(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** One paragraph of the HTML body: plain text, escaped. */
const p = (text: string) => `<p style="margin:0 0 16px">${escape(text)}</p>`;

function button(label: string, url: string): string {
  return (
    `<p style="margin:24px 0"><a href="${escape(url)}" style="background:#4f46e5;color:#fff;` +
    `padding:12px 20px;border-radius:6px;text-decoration:none;display:inline-block">` +
    `${escape(label)}</a></p>`
  );
}

function layout(title: string, body: string): string {
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8">',
    `<title>${escape(title)}</title></head>`,
    '<body style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#111;',
    'background:#f6f6f8;margin:0;padding:24px">',
    '<div style="max-width:560px;margin:0 auto;background:#fff;border-radius:8px;padding:32px">',
    body,
    '<p style="margin:32px 0 0;color:#666;font-size:13px">Paydeck</p>',
    '</div></body></html>',
  ].join('');
}

function greeting(name: string | null): string {
  return name ? `Hello ${name},` : 'Hello,';
}

/** A table of label → value rows for the HTML body. */
function facts(rows: Array<[string, string]>): string {
  return (
    '<table style="border-collapse:collapse;margin:0 0 16px">' +
    rows
      .map(
        ([label, value]) =>
          `<tr><td style="padding:4px 16px 4px 0;color:#666">${escape(label)}</td>` +
          `<td style="padding:4px 0">${escape(value)}</td></tr>`,
      )
      .join('') +
    '</table>'
  );
}

const factsText = (rows: Array<[string, string]>) => rows.map(([l, v]) => `${l}: ${v}`);

export interface Card {
  brand: string;
  last4: string;
}

function cardLine(card: Card | null): Array<[string, string]> {
  if (!card) return [];
  const brand = card.brand.charAt(0).toUpperCase() + card.brand.slice(1);
  return [['Card', `${brand} ending in ${card.last4}`]];
}

/** "Your payment was received": after an order is paid. */
export function receipt(m: {
  name: string | null;
  orderId: string;
  description: string;
  amount: number;
  currency: string;
  card: Card | null;
  paidAt: Date;
  orderUrl: string;
}): RenderedEmail {
  const amount = formatMoney(m.amount, m.currency);
  const rows: Array<[string, string]> = [
    ...(m.description ? [['Order', m.description] as [string, string]] : []),
    ['Amount paid', amount],
    ...cardLine(m.card),
    ['Date', m.paidAt.toISOString().slice(0, 10)],
    ['Order number', m.orderId],
  ];
  const subject = `Receipt: ${amount} paid`;
  return {
    subject,
    text: [
      greeting(m.name),
      '',
      `We received your payment of ${amount}. Thank you.`,
      '',
      ...factsText(rows),
      '',
      `Your order: ${m.orderUrl}`,
    ].join('\n'),
    html: layout(
      subject,
      p(greeting(m.name)) +
        p(`We received your payment of ${amount}. Thank you.`) +
        facts(rows) +
        button('View your order', m.orderUrl),
    ),
  };
}

/** "Your refund is on its way": after a refund succeeded. */
export function refundNotice(m: {
  name: string | null;
  orderId: string;
  description: string;
  amount: number;
  currency: string;
  card: Card | null;
  orderUrl: string;
}): RenderedEmail {
  const amount = formatMoney(m.amount, m.currency);
  const rows: Array<[string, string]> = [
    ...(m.description ? [['Order', m.description] as [string, string]] : []),
    ['Refunded', amount],
    ...cardLine(m.card),
    ['Order number', m.orderId],
  ];
  const back = m.card ? 'to your card' : 'to the card you paid with';
  const lead = `We refunded ${amount} ${back}. Depending on your bank it shows on your statement within 5 to 10 business days.`;
  const subject = `Refund: ${amount}`;
  return {
    subject,
    text: [
      greeting(m.name),
      '',
      lead,
      '',
      ...factsText(rows),
      '',
      `Your order: ${m.orderUrl}`,
    ].join('\n'),
    html: layout(
      subject,
      p(greeting(m.name)) + p(lead) + facts(rows) + button('View your order', m.orderUrl),
    ),
  };
}

/** An off-session charge needs the customer: 3-D Secure, in the checkout of that order. */
export function confirmPayment(m: {
  name: string | null;
  orderId: string;
  description: string;
  amount: number;
  currency: string;
  checkoutUrl: string;
}): RenderedEmail {
  const amount = formatMoney(m.amount, m.currency);
  const subject = `Action needed: confirm your payment of ${amount}`;
  const lead = `Your bank asks you to confirm a payment of ${amount}${m.description ? ` for ${m.description}` : ''}. Until you do, it is not paid.`;
  const how = 'Open the link below, check the payment and confirm it with your bank.';
  return {
    subject,
    text: [
      greeting(m.name),
      '',
      lead,
      how,
      '',
      `Confirm the payment: ${m.checkoutUrl}`,
      '',
      `Order number: ${m.orderId}`,
    ].join('\n'),
    html: layout(
      subject,
      p(greeting(m.name)) +
        p(lead) +
        p(how) +
        button('Confirm the payment', m.checkoutUrl) +
        p(`Order number: ${m.orderId}`),
    ),
  };
}

/** "Forgot password": the single-use link. */
export function passwordReset(m: {
  name: string | null;
  resetUrl: string;
  validMinutes: number;
}): RenderedEmail {
  const subject = 'Reset your Paydeck password';
  const lead = `Someone (we hope you) asked to reset the password of your account. The link works once, for ${m.validMinutes} minutes.`;
  const notYou =
    'If it was not you, ignore this email: your password stays as it is. Signing in with it still works.';
  return {
    subject,
    text: [greeting(m.name), '', lead, '', `Choose a new password: ${m.resetUrl}`, '', notYou].join(
      '\n',
    ),
    html: layout(
      subject,
      p(greeting(m.name)) + p(lead) + button('Choose a new password', m.resetUrl) + p(notYou),
    ),
  };
}

/** The confirmation that an account was deleted, to the address it had. */
export function accountDeleted(m: { name: string | null; deletedAt: Date }): RenderedEmail {
  const subject = 'Your Paydeck account was deleted';
  const lead = `Your account was deleted on ${m.deletedAt.toISOString().slice(0, 10)}. Your name, email address, saved cards and sign-ins are erased.`;
  const kept =
    'Records of your orders and payments are kept, without your name or address, as bookkeeping law requires. This is the last email we send you.';
  return {
    subject,
    text: [greeting(m.name), '', lead, '', kept].join('\n'),
    html: layout(subject, p(greeting(m.name)) + p(lead) + p(kept)),
  };
}
