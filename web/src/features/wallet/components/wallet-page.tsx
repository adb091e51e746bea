import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Alert, ErrorAlert } from '../../../components/alert';
import { Button } from '../../../components/button';
import { CardLabel, cardText, expiry } from '../../../components/card-label';
import { Skeleton } from '../../../components/skeleton';
import type { PaymentMethod } from '../../../types/api';
import { paymentMethodsQuery, useRemoveCard, useSetDefaultCard } from '../api/wallet';
import { AddCardPanel } from './add-card-panel';
import { RemoveCardDialog } from './remove-card-dialog';

type Notice = { tone: 'success'; text: string } | null;

export function WalletPage() {
  const cards = useQuery(paymentMethodsQuery);
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState<Notice>(null);
  const [removing, setRemoving] = useState<PaymentMethod | null>(null);
  const addButton = useRef<HTMLButtonElement>(null);
  const setDefault = useSetDefaultCard();
  const remove = useRemoveCard();
  const wasAdding = useRef(false);

  // Closing the form returns focus to the button that opened it.
  useEffect(() => {
    if (wasAdding.current && !adding) addButton.current?.focus();
    wasAdding.current = adding;
  }, [adding]);

  const list = cards.data?.data ?? [];
  return (
    <div className="wallet">
      <title>Wallet · Paydeck</title>
      <div className="page-head">
        <h1>Wallet</h1>
        {!adding ? (
          <Button
            ref={addButton}
            onClick={() => {
              setNotice(null);
              setAdding(true);
            }}
          >
            Add a card
          </Button>
        ) : null}
      </div>
      <p className="lead">
        Cards you save here can be used at checkout and for payments you approve in advance.
      </p>

      {notice ? (
        <Alert tone="success" live>
          {notice.text}
        </Alert>
      ) : null}
      {setDefault.error ? (
        <ErrorAlert error={setDefault.error} title="The default card could not be changed" />
      ) : null}

      {adding ? (
        <AddCardPanel
          onCancel={() => setAdding(false)}
          onAdded={(card) => {
            setAdding(false);
            setNotice({ tone: 'success', text: `${cardText(card)} was saved.` });
          }}
        />
      ) : null}

      <section aria-labelledby="cards-heading">
        <h2 id="cards-heading">Saved cards</h2>
        {cards.isPending ? <CardsSkeleton /> : null}
        {cards.error ? (
          <ErrorAlert
            error={cards.error}
            title="Your cards could not be loaded"
            onRetry={() => void cards.refetch()}
          />
        ) : null}
        {cards.data && list.length === 0 ? (
          <p className="empty">No saved cards yet. Add one to pay faster next time.</p>
        ) : null}
        {list.length > 0 ? (
          <ul className="list" aria-label="Saved cards">
            {list.map((card) => (
              <li key={card.id} className="list__row" data-testid="saved-card">
                <div className="list__main">
                  <span className="list__title">
                    <CardLabel brand={card.brand} last4={card.last4} />
                    {card.is_default ? (
                      <span className="status status--success">Default</span>
                    ) : null}
                  </span>
                  <span className="list__meta">
                    Expires {expiry(card.exp_month, card.exp_year)}
                  </span>
                </div>
                <div className="list__actions">
                  {!card.is_default ? (
                    <Button
                      variant="secondary"
                      className="button--small"
                      pending={setDefault.isPending && setDefault.variables === card.id}
                      disabled={setDefault.isPending}
                      onClick={() =>
                        setDefault.mutate(card.id, {
                          onSuccess: () =>
                            setNotice({
                              tone: 'success',
                              text: `${cardText(card)} is now your default card.`,
                            }),
                        })
                      }
                    >
                      Make default<span className="visually-hidden"> ({cardText(card)})</span>
                    </Button>
                  ) : null}
                  <Button
                    variant="quiet"
                    className="button--small"
                    onClick={() => {
                      remove.reset();
                      setRemoving(card);
                    }}
                  >
                    Remove<span className="visually-hidden"> {cardText(card)}</span>
                  </Button>
                </div>
              </li>
            ))}
          </ul>
        ) : null}
      </section>

      {removing ? (
        <RemoveCardDialog
          card={removing}
          pending={remove.isPending}
          error={remove.error}
          onCancel={() => setRemoving(null)}
          onConfirm={() =>
            remove.mutate(removing.id, {
              onSuccess: () => {
                setNotice({ tone: 'success', text: `${cardText(removing)} was removed.` });
                setRemoving(null);
              },
            })
          }
        />
      ) : null}
    </div>
  );
}

function CardsSkeleton() {
  return (
    <ul className="list" role="status" aria-label="Loading your cards…">
      {Array.from({ length: 2 }, (_, index) => (
        <li key={index} className="list__row">
          <div className="list__main">
            <Skeleton size="name" />
            <Skeleton size="short" />
          </div>
        </li>
      ))}
    </ul>
  );
}
