import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import { sessionQueryKey, signedOutSession, useReplaceSession } from '../../../lib/session';
import type { components } from '../../../types/generated/api';

type Schemas = components['schemas'];
export type SecondFactorStatus = Schemas['SecondFactorStatus'];
export type SecondFactorEnrolment = Schemas['SecondFactorEnrolment'];
export type SignedInSession = Schemas['SignedInSession'];

export const secondFactorQuery = queryOptions({
  queryKey: ['security', 'second-factor'] as const,
  queryFn: ({ signal }) => api.get<SecondFactorStatus>('/api/auth/mfa', { signal }),
});

export const sessionsQuery = queryOptions({
  queryKey: ['security', 'sessions'] as const,
  queryFn: ({ signal }) =>
    api.get<Schemas['SignedInSessionList']>('/api/auth/sessions', { signal }),
});

/** A new secret to scan; its answer lives in the page's state only. */
export function useStartEnrolment() {
  return useMutation({
    mutationFn: () => api.post<SecondFactorEnrolment>('/api/auth/mfa/enrolment'),
  });
}

/** Confirms with a code; the recovery codes come back in this response only. */
export function useConfirmEnrolment() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (code: string) =>
      api.post<Schemas['SecondFactorEnrolled']>('/api/auth/mfa/enrolment/confirm', { code }),
    // The session now says "enrolled", which opens the console.
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: sessionQueryKey }),
        queryClient.invalidateQueries({ queryKey: secondFactorQuery.queryKey }),
        queryClient.invalidateQueries({ queryKey: sessionsQuery.queryKey }),
      ]),
  });
}

export function useRegenerateRecoveryCodes() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (code: string) =>
      api.post<Schemas['RecoveryCodes']>('/api/auth/mfa/recovery-codes', { code }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: secondFactorQuery.queryKey }),
  });
}

/** Ends one session; ending this browser's own signs it out. */
export function useRevokeSession() {
  const queryClient = useQueryClient();
  const replaceSession = useReplaceSession();
  return useMutation({
    mutationFn: (session: SignedInSession) =>
      api.delete<void>(`/api/auth/sessions/${encodeURIComponent(session.id)}`),
    onSuccess: (_data, session) => {
      if (session.current) replaceSession(signedOutSession);
      else return queryClient.invalidateQueries({ queryKey: sessionsQuery.queryKey });
    },
  });
}

export function useRevokeOtherSessions() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<Schemas['SessionsEnded']>('/api/auth/sessions/revoke-others'),
    onSettled: () => queryClient.invalidateQueries({ queryKey: sessionsQuery.queryKey }),
  });
}
