import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { ReconciliationRun, ReconciliationRunList } from '../../../types/admin';

export const reconciliationRunsQuery = queryOptions({
  queryKey: ['admin', 'reconciliation'] as const,
  queryFn: ({ signal }) =>
    api.get<ReconciliationRunList>('/api/admin/reconciliation/runs?limit=10', { signal }),
});

export function useRunReconciliation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () =>
      api.post<ReconciliationRun>('/api/admin/reconciliation/run', {}, { idempotencyKey: true }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: reconciliationRunsQuery.queryKey }),
  });
}
