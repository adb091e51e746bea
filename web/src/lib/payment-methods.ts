import { queryOptions } from '@tanstack/react-query';
import { api } from './api-client';
import type { ListResponse, PaymentMethod } from '../types/api';

// Saved cards are read by the wallet and by the receipts (to name the card a payment used).
export const paymentMethodsQuery = queryOptions({
  queryKey: ['payment-methods'] as const,
  queryFn: ({ signal }) => api.get<ListResponse<PaymentMethod>>('/api/payment-methods', { signal }),
});
