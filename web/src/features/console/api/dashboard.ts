import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { Dashboard, DashboardWindow } from '../../../types/admin';

/** The windows an operator can pick, in the order the selector shows them. */
export const DASHBOARD_WINDOWS: ReadonlyArray<{ value: DashboardWindow; label: string }> = [
  { value: '1h', label: '1 hour' },
  { value: '24h', label: '24 hours' },
  { value: '7d', label: '7 days' },
  { value: '30d', label: '30 days' },
];
export const DEFAULT_DASHBOARD_WINDOW: DashboardWindow = '24h';

/** How often an open dashboard reads its figures again. */
const REFRESH_MS = 30_000;

export const dashboardQuery = (window: DashboardWindow) =>
  queryOptions({
    queryKey: ['admin', 'dashboard', window] as const,
    queryFn: ({ signal }) =>
      api.get<Dashboard>(`/api/admin/dashboard?window=${window}`, { signal }),
    refetchInterval: REFRESH_MS,
    // Switching windows keeps the previous figures on screen until the new ones arrive.
    placeholderData: keepPreviousData,
  });
