import { keepPreviousData, queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { WebhookEventDetail, WebhookEventPage } from '../../../types/admin';

export const webhookEventsQuery = (query: URLSearchParams) =>
  queryOptions({
    queryKey: ['admin', 'webhook-events', query.toString()] as const,
    queryFn: ({ signal }) =>
      api.get<WebhookEventPage>(`/api/admin/webhook-events?${query.toString()}`, { signal }),
    placeholderData: keepPreviousData,
  });

export const webhookEventQuery = (id: string) =>
  queryOptions({
    queryKey: ['admin', 'webhook-event', id] as const,
    queryFn: ({ signal }) =>
      api.get<WebhookEventDetail>(`/api/admin/webhook-events/${encodeURIComponent(id)}`, {
        signal,
      }),
  });

export function useReplayEvent() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      api.post<WebhookEventDetail>(
        `/api/admin/webhook-events/${encodeURIComponent(id)}/replay`,
        {},
        { idempotencyKey: true },
      ),
    onSuccess: (event) => queryClient.setQueryData(webhookEventQuery(event.id).queryKey, event),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['admin', 'webhook-events'] }),
  });
}
