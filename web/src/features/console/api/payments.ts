import { keepPreviousData, queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import { PAYMENT_STATE_STALE_TIME } from '../../../lib/query-client';
import type { Order, Refund } from '../../../types/api';
import type { PaymentDetail, PaymentPage, RefundReason } from '../../../types/admin';

export const PAGE_SIZE = 25;

/** The API query string for a page of payments (already converted: minor units, ISO instants). */
export const paymentsQuery = (query: URLSearchParams) =>
  queryOptions({
    queryKey: ['admin', 'payments', query.toString()] as const,
    queryFn: ({ signal }) =>
      api.get<PaymentPage>(`/api/admin/payments?${query.toString()}`, { signal }),
    staleTime: PAYMENT_STATE_STALE_TIME,
    // The table keeps the previous page on screen while the next one loads.
    placeholderData: keepPreviousData,
  });

export const paymentDetailQuery = (id: string) =>
  queryOptions({
    queryKey: ['admin', 'payment', id] as const,
    queryFn: ({ signal }) =>
      api.get<PaymentDetail>(`/api/admin/payments/${encodeURIComponent(id)}`, { signal }),
    staleTime: PAYMENT_STATE_STALE_TIME,
  });

export interface RefundInput {
  orderId: string;
  /** Minor units; omitted for "refund everything that is left". */
  amount?: number;
  reason?: RefundReason;
  /** One key per refund attempt, so a retried request can never refund twice. */
  idempotencyKey: string;
}

function useInvalidateAdmin() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: ['admin'] });
}

export function useRefund() {
  const invalidate = useInvalidateAdmin();
  return useMutation({
    mutationFn: ({ orderId, amount, reason, idempotencyKey }: RefundInput) =>
      api.post<Refund>(
        `/api/admin/orders/${encodeURIComponent(orderId)}/refunds`,
        { ...(amount === undefined ? {} : { amount }), ...(reason ? { reason } : {}) },
        { idempotencyKey },
      ),
    onSettled: invalidate,
  });
}

export function useCapture() {
  const invalidate = useInvalidateAdmin();
  return useMutation({
    mutationFn: (orderId: string) =>
      api.post<Order>(
        `/api/admin/orders/${encodeURIComponent(orderId)}/capture`,
        {},
        { idempotencyKey: true },
      ),
    onSettled: invalidate,
  });
}

export function useCancel() {
  const invalidate = useInvalidateAdmin();
  return useMutation({
    mutationFn: (orderId: string) =>
      api.post<Order>(
        `/api/admin/orders/${encodeURIComponent(orderId)}/cancel`,
        {},
        { idempotencyKey: true },
      ),
    onSettled: invalidate,
  });
}
