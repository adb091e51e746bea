import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { TestClock, TestClockAdvanced } from '../../../types/admin';

export const testClockQuery = queryOptions({
  queryKey: ['admin', 'test-clock'] as const,
  queryFn: ({ signal }) => api.get<TestClock>('/api/admin/test-clock', { signal }),
});

/** Moves Paydeck's and the simulator's clocks forward; every figure may change after it. */
export function useAdvanceTestClock() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (seconds: number) =>
      api.post<TestClockAdvanced>('/api/admin/test-clock/advance', { seconds }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['admin'] }),
  });
}
