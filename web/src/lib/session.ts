import { queryOptions, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { api, setCsrfToken } from './api-client';
import type { AccountDeletion, ApiSession, User } from '../types/api';

// Shared by the layout, the route guards and every feature that needs to know who is signed in.

export type { User };

export interface Session extends ApiSession {
  /**
   * Client-side only: set when the user signed out (or deleted their account) in this tab, so the
   * sign-in guard sends them to a plain sign-in page that says so ("you have signed out") instead
   * of "sign in to continue here".
   */
  ended?: SessionEnd;
  /** Client-side only: after deleting the account here, what was removed and what was kept. */
  deletion?: AccountDeletion;
}

export type SessionEnd = 'signed-out' | 'account-deleted';

const noSession = {
  user: null,
  csrf_token: null,
  second_factor_pending: false,
  operator_mfa: null,
};
export const signedOutSession: Session = { ...noSession, ended: 'signed-out' };
export const deletedAccountSession: Session = { ...noSession, ended: 'account-deleted' };

export const sessionQueryKey = ['session'] as const;

export const sessionQuery = queryOptions({
  queryKey: sessionQueryKey,
  queryFn: async ({ signal }) => {
    const session = await api.get<Session>('/api/auth/session', { signal });
    setCsrfToken(session.csrf_token);
    return session;
  },
  staleTime: 60_000,
});

/**
 * Installs a new session (signed in, out, or the account gone). Everything cached so far belonged
 * to the previous user (or to nobody); only the configuration survives.
 */
export function useReplaceSession() {
  const queryClient = useQueryClient();
  return (session: Session) => {
    setCsrfToken(session.csrf_token);
    queryClient.removeQueries({
      predicate: (query) =>
        query.queryKey[0] !== sessionQueryKey[0] && query.queryKey[0] !== 'app-config',
    });
    queryClient.setQueryData(sessionQueryKey, session);
  };
}

/** The root route loads the session before anything renders, so this never suspends in practice. */
export function useSession(): Session {
  return useSuspenseQuery(sessionQuery).data;
}

/** The signed-in user, or null. */
export function useUser(): User | null {
  return useSession().user;
}

/** For pages behind the sign-in guard, where a missing user is a bug, not a state. */
export function useSignedInUser(): User {
  const user = useUser();
  if (!user) throw new Error('useSignedInUser used outside the sign-in guard');
  return user;
}

/**
 * An operator who must set up a second factor before the console opens (OPERATOR_MFA=required,
 * ADR 023); the server refuses every operator route to them meanwhile.
 */
export function useNeedsSecondFactorEnrolment(): boolean {
  const { user, operator_mfa } = useSession();
  return user?.role === 'admin' && operator_mfa?.policy === 'required' && !operator_mfa.enrolled;
}
