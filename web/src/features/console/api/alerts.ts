import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type {
  AlertEvaluation,
  AlertEventList,
  AlertRuleList,
  AlertRuleState,
  CaughtMailList,
} from '../../../types/admin';

/** Rules move every minute: the page refreshes itself at that pace. */
const REFRESH_MS = 30_000;

export const alertRulesQuery = queryOptions({
  queryKey: ['admin', 'alerts', 'rules'] as const,
  queryFn: ({ signal }) => api.get<AlertRuleList>('/api/admin/alerts', { signal }),
  refetchInterval: REFRESH_MS,
});

export const alertEventsQuery = queryOptions({
  queryKey: ['admin', 'alerts', 'events'] as const,
  queryFn: ({ signal }) => api.get<AlertEventList>('/api/admin/alerts/events?limit=50', { signal }),
  refetchInterval: REFRESH_MS,
});

export const caughtMailQuery = queryOptions({
  queryKey: ['admin', 'mail'] as const,
  queryFn: ({ signal }) => api.get<CaughtMailList>('/api/admin/mail?limit=50', { signal }),
  refetchInterval: REFRESH_MS,
});

function useAlertsMutation<T, V>(fn: (vars: V) => Promise<T>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['admin', 'alerts'] }),
  });
}

export const useEvaluateAlerts = () =>
  useAlertsMutation((_: void) => api.post<AlertEvaluation>('/api/admin/alerts/evaluate', {}));

export const useAcknowledgeAlert = () =>
  useAlertsMutation((rule: string) =>
    api.post<AlertRuleState>(`/api/admin/alerts/${encodeURIComponent(rule)}/acknowledge`, {}),
  );

export const useSilenceAlert = () =>
  useAlertsMutation(({ rule, until }: { rule: string; until: string | null }) =>
    api.post<AlertRuleState>(`/api/admin/alerts/${encodeURIComponent(rule)}/silence`, { until }),
  );
