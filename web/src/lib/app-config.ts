import { queryOptions, useSuspenseQuery } from '@tanstack/react-query';
import { api } from './api-client';
import type { BrowserConfig } from '../types/api';

/** What the server lets the browser know (GET /api/config). */
export type AppConfig = BrowserConfig;
export type StripeMode = AppConfig['mode'];

export const appConfigQuery = queryOptions({
  queryKey: ['app-config'] as const,
  queryFn: ({ signal }) => api.get<AppConfig>('/api/config', { signal }),
  // Fixed for the life of a server process.
  staleTime: Infinity,
});

export function useAppConfig(): AppConfig {
  return useSuspenseQuery(appConfigQuery).data;
}
