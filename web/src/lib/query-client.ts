import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { ApiError } from './api-client';
import { sessionQueryKey } from './session';

/**
 * For queries that show where a payment stands (orders, receipts, console payments). Refunds,
 * webhooks and operators change it from elsewhere, so such a query is re-read whenever it is
 * shown again or the window regains focus — the cached copy is shown meanwhile — instead of
 * being trusted for the default 30 seconds.
 */
export const PAYMENT_STATE_STALE_TIME = 0;

function shouldRetry(failureCount: number, error: unknown): boolean {
  // A 4xx will not change by asking again; network blips and 5xx might.
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
  return failureCount < 2;
}

function isSessionExpired(error: unknown): boolean {
  // invalid_credentials is a wrong password on the sign-in form, not a lost session.
  return error instanceof ApiError && error.status === 401 && error.code !== 'invalid_credentials';
}

export function createQueryClient(): QueryClient {
  const queryClient: QueryClient = new QueryClient({
    defaultOptions: {
      queries: { staleTime: 30_000, retry: shouldRetry },
      mutations: { retry: false },
    },
    // When the server says the session is gone, refetch it so guarded pages send the user to sign in.
    queryCache: new QueryCache({
      onError: (error, query) => {
        if (isSessionExpired(error) && query.queryKey[0] !== sessionQueryKey[0]) {
          void queryClient.invalidateQueries({ queryKey: sessionQueryKey });
        }
      },
    }),
    mutationCache: new MutationCache({
      onError: (error) => {
        if (isSessionExpired(error))
          void queryClient.invalidateQueries({ queryKey: sessionQueryKey });
      },
    }),
  });
  return queryClient;
}
