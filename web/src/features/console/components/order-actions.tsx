import { useState } from 'react';
import type { FormEvent } from 'react';
import { Alert } from '../../../components/alert';
import { Button } from '../../../components/button';
import { ConfirmDialog } from '../../../components/confirm-dialog';
import { CheckboxField, TextField } from '../../../components/form-field';
import { SelectField } from '../../../components/select-field';
import { newIdempotencyKey } from '../../../lib/api-client';
import { formatMoney, parseMoney, toMajorText } from '../../../lib/money';
import type { Order, Payment, Refund } from '../../../types/api';
import { REFUND_REASONS } from '../../../types/admin';
import type { RefundReason } from '../../../types/admin';
import { useCancel, useCapture, useRefund } from '../api/payments';
import { humanize } from './console-ui';

const REASON_OPTIONS = [
  { value: '', label: 'No reason given' },
  ...REFUND_REASONS.map((reason) => ({ value: reason, label: humanize(reason) })),
];

/** What an operator can do to this payment's order now: refund it, or capture/cancel an authorization. */
export function OrderActions({ order, payment }: { order: Order; payment: Payment }) {
  const refundable = payment.amount_captured - payment.amount_refunded;
  const canRefund =
    payment.status === 'succeeded' &&
    refundable > 0 &&
    (order.status === 'paid' || order.status === 'partially_refunded');
  const authorized = order.status === 'authorized' && payment.status === 'requires_capture';
  // Kept here, not in the form: after a full refund the form goes away but the confirmation stays.
  const [done, setDone] = useState<Refund | null>(null);
  if (!canRefund && !authorized && !done) return null;
  return (
    <section className="panel" aria-labelledby="actions-heading">
      <h2 id="actions-heading">{authorized ? 'Authorization' : 'Refund'}</h2>
      {done ? (
        <Alert
          tone="success"
          live
          title={done.status === 'succeeded' ? 'Refund issued' : 'Refund requested'}
        >
          <p>
            {formatMoney(done.amount, done.currency)}{' '}
            {done.status === 'succeeded'
              ? 'was refunded to the customer’s card.'
              : 'is on its way; its status updates when Stripe confirms it.'}
          </p>
        </Alert>
      ) : null}
      {canRefund ? (
        <RefundForm
          orderId={order.id}
          currency={payment.currency}
          refundable={refundable}
          onStart={() => setDone(null)}
          onRefunded={setDone}
        />
      ) : null}
      {authorized ? <AuthorizationActions order={order} payment={payment} /> : null}
    </section>
  );
}

interface PendingRefund {
  amount: number;
  full: boolean;
  reason: RefundReason | undefined;
  /** Made when the operator asks to confirm: retrying this confirmation reuses it. */
  idempotencyKey: string;
}

interface RefundFormProps {
  orderId: string;
  currency: string;
  refundable: number;
  onStart: () => void;
  onRefunded: (refund: Refund) => void;
}

function RefundForm({ orderId, currency, refundable, onStart, onRefunded }: RefundFormProps) {
  const refund = useRefund();
  const [partial, setPartial] = useState(false);
  const [amountError, setAmountError] = useState<string>();
  const [pending, setPending] = useState<PendingRefund | null>(null);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const reason = String(form.get('reason') ?? '') as RefundReason | '';
    let amount = refundable;
    if (partial) {
      const parsed = parseMoney(String(form.get('amount') ?? ''), currency);
      const error =
        parsed === null
          ? `Enter an amount like ${toMajorText(refundable, currency)}.`
          : parsed <= 0
            ? 'Enter an amount above zero.'
            : parsed > refundable
              ? `At most ${formatMoney(refundable, currency)} can be refunded.`
              : undefined;
      setAmountError(error);
      if (error || parsed === null) {
        const input = event.currentTarget.elements.namedItem('amount');
        if (input instanceof HTMLElement) input.focus();
        return;
      }
      amount = parsed;
    }
    refund.reset();
    onStart();
    setPending({
      amount,
      full: !partial,
      reason: reason || undefined,
      idempotencyKey: newIdempotencyKey(),
    });
  }

  return (
    <>
      <p>
        Up to <strong>{formatMoney(refundable, currency)}</strong> can be refunded.
      </p>
      <form className="form form--narrow" onSubmit={onSubmit} noValidate aria-label="Refund">
        <CheckboxField
          name="partial"
          label="Refund part of the amount"
          checked={partial}
          onChange={(event) => {
            setPartial(event.currentTarget.checked);
            setAmountError(undefined);
          }}
        />
        {partial ? (
          <TextField
            label={`Amount to refund (${currency.toUpperCase()})`}
            name="amount"
            inputMode="decimal"
            autoComplete="off"
            placeholder={toMajorText(refundable, currency)}
            hint={`In ${currency.toUpperCase()}, e.g. ${toMajorText(Math.min(refundable, 1000), currency)}`}
            error={amountError}
            required
          />
        ) : null}
        <SelectField label="Reason" name="reason" options={REASON_OPTIONS} defaultValue="" />
        <div className="form__actions">
          <Button type="submit" variant="danger">
            {partial ? 'Refund amount…' : `Refund ${formatMoney(refundable, currency)}…`}
          </Button>
        </div>
      </form>
      {pending ? (
        <ConfirmDialog
          title={`Refund ${formatMoney(pending.amount, currency)}?`}
          confirmLabel={`Refund ${formatMoney(pending.amount, currency)}`}
          cancelLabel="Don’t refund"
          tone="danger"
          pending={refund.isPending}
          error={refund.error}
          errorTitle="The refund failed"
          onCancel={() => setPending(null)}
          onConfirm={() =>
            refund.mutate(
              {
                orderId,
                ...(pending.full ? {} : { amount: pending.amount }),
                ...(pending.reason ? { reason: pending.reason } : {}),
                idempotencyKey: pending.idempotencyKey,
              },
              {
                onSuccess: (result) => {
                  setPending(null);
                  setPartial(false);
                  onRefunded(result);
                },
              },
            )
          }
        >
          <p>
            {formatMoney(pending.amount, currency)} goes back to the customer’s card
            {pending.full ? ', the full remaining amount' : ''}
            {pending.reason ? ` (${humanize(pending.reason).toLowerCase()})` : ''}. This cannot be
            undone.
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

function AuthorizationActions({ order, payment }: { order: Order; payment: Payment }) {
  const capture = useCapture();
  const cancel = useCancel();
  const [confirming, setConfirming] = useState<'capture' | 'cancel' | null>(null);
  const amount = formatMoney(payment.amount, payment.currency);
  const mutation = confirming === 'cancel' ? cancel : capture;
  return (
    <>
      <p>
        {amount} is authorized on the customer’s card and not yet taken. Capture it to take the
        money, or cancel to release it.
      </p>
      <div className="form__actions">
        <Button onClick={() => setConfirming('capture')}>Capture {amount}…</Button>
        <Button variant="secondary" onClick={() => setConfirming('cancel')}>
          Cancel authorization…
        </Button>
      </div>
      {confirming ? (
        <ConfirmDialog
          title={confirming === 'capture' ? `Capture ${amount}?` : 'Cancel this authorization?'}
          confirmLabel={confirming === 'capture' ? `Capture ${amount}` : 'Cancel authorization'}
          cancelLabel="Go back"
          tone={confirming === 'capture' ? 'primary' : 'danger'}
          pending={mutation.isPending}
          error={mutation.error}
          errorTitle={confirming === 'capture' ? 'The capture failed' : 'The cancellation failed'}
          onCancel={() => {
            mutation.reset();
            setConfirming(null);
          }}
          onConfirm={() => mutation.mutate(order.id, { onSuccess: () => setConfirming(null) })}
        >
          <p>
            {confirming === 'capture'
              ? `${amount} will be taken from the customer’s card.`
              : `The hold of ${amount} on the customer’s card is released and the order is canceled.`}
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
