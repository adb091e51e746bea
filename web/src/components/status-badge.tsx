// Status words customers understand, with a colour that matches the meaning. The colour is never
// the only signal: the word is always shown.

type Tone = 'neutral' | 'success' | 'warning' | 'error' | 'info';

const ORDER_STATUS: Record<string, { label: string; tone: Tone }> = {
  open: { label: 'Awaiting payment', tone: 'warning' },
  processing: { label: 'Processing', tone: 'info' },
  requires_action: { label: 'Needs your confirmation', tone: 'warning' },
  authorized: { label: 'Authorized', tone: 'info' },
  paid: { label: 'Paid', tone: 'success' },
  partially_refunded: { label: 'Partially refunded', tone: 'info' },
  refunded: { label: 'Refunded', tone: 'neutral' },
  canceled: { label: 'Canceled', tone: 'neutral' },
};

const PAYMENT_STATUS: Record<string, { label: string; tone: Tone }> = {
  creating: { label: 'Starting', tone: 'info' },
  unknown: { label: 'Checking with the bank', tone: 'info' },
  processing: { label: 'Processing', tone: 'info' },
  requires_action: { label: 'Needs confirmation', tone: 'warning' },
  requires_capture: { label: 'Authorized', tone: 'info' },
  succeeded: { label: 'Succeeded', tone: 'success' },
  failed: { label: 'Failed', tone: 'error' },
  canceled: { label: 'Canceled', tone: 'neutral' },
};

const REFUND_STATUS: Record<string, { label: string; tone: Tone }> = {
  pending: { label: 'Pending', tone: 'info' },
  requires_action: { label: 'Pending', tone: 'info' },
  succeeded: { label: 'Refunded', tone: 'success' },
  failed: { label: 'Failed', tone: 'error' },
  canceled: { label: 'Canceled', tone: 'neutral' },
};

const KINDS = { order: ORDER_STATUS, payment: PAYMENT_STATUS, refund: REFUND_STATUS };

function humanize(status: string): string {
  const text = status.replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function statusLabel(kind: keyof typeof KINDS, status: string): string {
  return KINDS[kind][status]?.label ?? humanize(status);
}

export function StatusBadge({ kind, status }: { kind: keyof typeof KINDS; status: string }) {
  const known = KINDS[kind][status];
  const tone = known?.tone ?? 'neutral';
  return <span className={`status status--${tone}`}>{known?.label ?? humanize(status)}</span>;
}
