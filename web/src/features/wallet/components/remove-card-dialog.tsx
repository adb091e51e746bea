import { useEffect, useRef } from 'react';
import { ErrorAlert } from '../../../components/alert';
import { Button } from '../../../components/button';
import { cardText } from '../../../components/card-label';
import type { PaymentMethod } from '../../../types/api';

/** A modal confirmation (native <dialog>: focus is trapped and Escape cancels). */
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
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    element.showModal();
    return () => {
      element.close();
      // Back to where the user was (the Remove button), or the page if it is gone.
      if (opener?.isConnected) opener.focus();
      else document.getElementById('main')?.focus();
    };
  }, []);

  return (
    <dialog
      ref={dialog}
      className="dialog"
      aria-labelledby="remove-card-title"
      aria-describedby="remove-card-text"
      onCancel={(event) => {
        event.preventDefault();
        if (!pending) onCancel();
      }}
    >
      <h2 id="remove-card-title">Remove this card?</h2>
      <p id="remove-card-text">
        {cardText(card)} will be removed from your wallet and can no longer be used for payments.
        {card.is_default ? ' It is your default card.' : ''}
      </p>
      {error ? <ErrorAlert error={error} title="The card could not be removed" /> : null}
      <div className="dialog__actions">
        <Button variant="secondary" onClick={onCancel} disabled={pending}>
          Keep card
        </Button>
        <Button variant="danger" pending={pending} onClick={onConfirm}>
          Remove card
        </Button>
      </div>
    </dialog>
  );
}
