import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { ApiKey, ApiKeyList, ApiKeyScope, CreatedApiKey } from '../../../types/admin';

export const apiKeysQuery = queryOptions({
  queryKey: ['admin', 'api-keys'] as const,
  queryFn: ({ signal }) => api.get<ApiKeyList>('/api/admin/api-keys', { signal }),
});

/** The secret comes back in this response only; it is never written to the query cache. */
export function useCreateApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { name: string; scopes: ApiKeyScope[] }) =>
      api.post<CreatedApiKey>('/api/admin/api-keys', input, { idempotencyKey: true }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: apiKeysQuery.queryKey }),
  });
}

export function useRevokeApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete<ApiKey>(`/api/admin/api-keys/${encodeURIComponent(id)}`),
    onSettled: () => queryClient.invalidateQueries({ queryKey: apiKeysQuery.queryKey }),
  });
}
