import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import { PAYMENT_STATE_STALE_TIME } from '../../../lib/query-client';
import type { Order, OrderList } from '../../../types/api';

export const ordersQuery = queryOptions({
  queryKey: ['orders'] as const,
  queryFn: ({ signal }) => api.get<OrderList>('/api/orders?limit=50', { signal }),
  staleTime: PAYMENT_STATE_STALE_TIME,
});

/** States the server settles on its own (webhooks, jobs): worth re-reading while on screen. */
const SETTLING = new Set(['processing']);

export const orderQuery = (id: string) =>
  queryOptions({
    queryKey: ['orders', id] as const,
    queryFn: ({ signal }) => api.get<Order>(`/api/orders/${encodeURIComponent(id)}`, { signal }),
    staleTime: PAYMENT_STATE_STALE_TIME,
    refetchInterval: (query) =>
      query.state.data && SETTLING.has(query.state.data.status) ? 2_000 : false,
  });

/**
 * Cancels the order's payment left waiting for the bank's check (3-D Secure): nothing is charged
 * and the order can be paid again. A 409 says why it could not be (e.g. it went through meanwhile).
 */
export function useCancelPayment(orderId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () =>
      api.post<Order>(
        `/api/orders/${encodeURIComponent(orderId)}/cancel-payment`,
        {},
        { idempotencyKey: true },
      ),
    onSuccess: (order) => queryClient.setQueryData(orderQuery(orderId).queryKey, order),
    // Whatever happened (canceled, or paid meanwhile), the order and the list show it now.
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['orders'] }),
  });
}
