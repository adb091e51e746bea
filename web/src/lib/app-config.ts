import { queryOptions, useSuspenseQuery } from '@tanstack/react-query';
import { api } from './api-client';

export type StripeMode = 'simulated' | 'test' | 'live';

/** What the server lets the browser know (GET /api/config). */
export interface AppConfig {
  publishable_key: string;
  stripe_js_url: string;
  mode: StripeMode;
}

export const appConfigQuery = queryOptions({
  queryKey: ['app-config'] as const,
  queryFn: ({ signal }) => api.get<AppConfig>('/api/config', { signal }),
  // Fixed for the life of a server process.
  staleTime: Infinity,
});

export function useAppConfig(): AppConfig {
  return useSuspenseQuery(appConfigQuery).data;
}
