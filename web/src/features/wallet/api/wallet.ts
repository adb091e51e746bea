import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import type { Stripe, StripeCardElement } from '@stripe/stripe-js';
import { api } from '../../../lib/api-client';
import { fromStripeError } from '../../../lib/stripe';
import type { PaymentMethod, PaymentMethodList, SetupIntentResponse } from '../../../types/api';

// Receipts no longer read the wallet: a payment carries the card it was made with.
export const paymentMethodsQuery = queryOptions({
  queryKey: ['payment-methods'] as const,
  queryFn: ({ signal }) => api.get<PaymentMethodList>('/api/payment-methods', { signal }),
});

export interface AddCardInput {
  stripe: Stripe;
  card: StripeCardElement;
}

/**
 * Saves a card the SCA-ready way: a SetupIntent from Paydeck, confirmed by Stripe.js with the
 * card Element (3-D Secure runs here if the bank asks), then Paydeck records the pm_… id.
 */
export function useAddCard() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ stripe, card }: AddCardInput) => {
      const intent = await api.post<SetupIntentResponse>(
        '/api/setup-intents',
        {},
        { idempotencyKey: true },
      );
      const result = await stripe.confirmCardSetup(intent.client_secret, {
        payment_method: { card },
      });
      if (result.error) throw fromStripeError(result.error);
      const paymentMethod = result.setupIntent.payment_method;
      const id = typeof paymentMethod === 'string' ? paymentMethod : paymentMethod?.id;
      if (!id)
        throw fromStripeError({ message: 'Stripe did not return the saved card. Try again.' });
      return api.post<PaymentMethod>(
        '/api/payment-methods',
        { payment_method_id: id },
        { idempotencyKey: true },
      );
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: paymentMethodsQuery.queryKey }),
  });
}

export function useSetDefaultCard() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      api.post<PaymentMethod>(`/api/payment-methods/${encodeURIComponent(id)}/default`, {}),
    onSettled: () => queryClient.invalidateQueries({ queryKey: paymentMethodsQuery.queryKey }),
  });
}

export function useRemoveCard() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete<void>(`/api/payment-methods/${encodeURIComponent(id)}`),
    onSettled: () => queryClient.invalidateQueries({ queryKey: paymentMethodsQuery.queryKey }),
  });
}
