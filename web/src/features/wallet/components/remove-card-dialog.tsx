import { ConfirmDialog } from '../../../components/confirm-dialog';
import { cardText } from '../../../components/card-label';
import type { PaymentMethod } from '../../../types/api';

/** Asks before a saved card is removed from the wallet. */
export function RemoveCardDialog({
  card,
  pending,
  error,
  onCancel,
  onConfirm,
}: {
  card: PaymentMethod;
  pending: boolean;
  error: unknown;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  return (
    <ConfirmDialog
      title="Remove this card?"
      confirmLabel="Remove card"
      cancelLabel="Keep card"
      tone="danger"
      pending={pending}
      error={error}
      errorTitle="The card could not be removed"
      onCancel={onCancel}
      onConfirm={onConfirm}
    >
      <p>
        {cardText(card)} will be removed from your wallet and can no longer be used for payments.
        {card.is_default ? ' It is your default card.' : ''}
      </p>
    </ConfirmDialog>
  );
}
