import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type {
  MerchantEventType,
  WebhookDelivery,
  WebhookDeliveryList,
  WebhookEndpoint,
  WebhookEndpointList,
  WebhookEndpointWithSecret,
} from '../../../types/admin';

const base = '/api/admin/webhook_endpoints';
const id = (value: string) => encodeURIComponent(value);

export const endpointsQuery = queryOptions({
  queryKey: ['admin', 'merchant-webhooks'] as const,
  queryFn: ({ signal }) => api.get<WebhookEndpointList>(base, { signal }),
});

export const deliveriesQuery = (endpointId: string) =>
  queryOptions({
    queryKey: ['admin', 'merchant-webhooks', endpointId, 'deliveries'] as const,
    queryFn: ({ signal }) =>
      api.get<WebhookDeliveryList>(`${base}/${id(endpointId)}/deliveries?limit=50`, { signal }),
  });

function useEndpointMutation<I, T>(fn: (input: I) => Promise<T>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSettled: () => queryClient.invalidateQueries({ queryKey: endpointsQuery.queryKey }),
  });
}

/** The secret comes back in this response only; it is never written to the query cache. */
export const useCreateEndpoint = () =>
  useEndpointMutation((input: { url: string; events: MerchantEventType[]; description?: string }) =>
    api.post<WebhookEndpointWithSecret>(base, input),
  );

export const useUpdateEndpoint = () =>
  useEndpointMutation((input: { id: string; status: 'enabled' | 'disabled' }) =>
    api.post<WebhookEndpoint>(`${base}/${id(input.id)}`, { status: input.status }),
  );

export const useRotateSecret = () =>
  useEndpointMutation((endpointId: string) =>
    api.post<WebhookEndpointWithSecret>(`${base}/${id(endpointId)}/rotate_secret`),
  );

/**
 * Deleting drops the endpoint from the list at once and forgets its delivery log: refreshing
 * everything under the list's key (as the other mutations do) would ask for the log of an endpoint
 * that no longer exists, and get a 404.
 */
export const useDeleteEndpoint = () => {
  const queryClient = useQueryClient();
  return useMutation({
    // A refresh of its log still on its way (started by an earlier change) is called off before
    // the DELETE is sent, or it would reach the server after it and answer 404.
    onMutate: (endpointId: string) =>
      queryClient.cancelQueries({ queryKey: deliveriesQuery(endpointId).queryKey }),
    mutationFn: (endpointId: string) => api.delete<unknown>(`${base}/${id(endpointId)}`),
    onSuccess: (_answer, endpointId) => {
      queryClient.setQueryData(endpointsQuery.queryKey, (list) =>
        list ? { ...list, data: list.data.filter((e) => e.id !== endpointId) } : list,
      );
      queryClient.removeQueries({ queryKey: deliveriesQuery(endpointId).queryKey });
    },
    onSettled: () =>
      queryClient.invalidateQueries({ queryKey: endpointsQuery.queryKey, exact: true }),
  });
};

export const useResend = () =>
  useEndpointMutation((input: { endpointId: string; eventId: string }) =>
    api.post<WebhookDelivery>(`${base}/${id(input.endpointId)}/resend`, {
      event_id: input.eventId,
    }),
  );
