import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { Order, ProductList } from '../../../types/api';

export const catalogQuery = queryOptions({
  queryKey: ['catalog'] as const,
  queryFn: ({ signal }) => api.get<ProductList>('/api/catalog', { signal }),
  staleTime: 5 * 60_000,
});

export interface OrderLine {
  product_id: string;
  quantity: number;
}

/** Creates the order from product ids and quantities; the server sets every price. */
export function useCreateOrder() {
  const queryClient = useQueryClient();
  return useMutation({
    // One key per click: a retried request after a network blip cannot create a second order.
    mutationFn: (items: OrderLine[]) =>
      api.post<Order>('/api/orders', { items }, { idempotencyKey: true }),
    // The orders list now has one more; the key is the list's, and each order's below it.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['orders'] }),
  });
}
