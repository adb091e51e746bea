import type { StripeMode } from '../lib/app-config';

const MESSAGES: Record<StripeMode, string | null> = {
  simulated: 'Simulated Stripe — no real money moves',
  test: 'Test mode',
  live: null,
};

/** Tells people when payments are not real, so nobody mistakes a demo for a live shop. */
export function ModeNotice({ mode }: { mode: StripeMode }) {
  const message = MESSAGES[mode];
  if (!message) return null;
  return (
    <p className={`mode-banner mode-banner--${mode}`} role="note">
      {message}
    </p>
  );
}
