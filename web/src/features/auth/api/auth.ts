import { useMutation } from '@tanstack/react-query';
import { ApiError, api } from '../../../lib/api-client';
import { signedOutSession, useReplaceSession } from '../../../lib/session';
import type { User } from '../../../lib/session';
import type { JsonBody } from '../../../types/api';

export type LoginInput = JsonBody<'logIn'>;
export type SignupInput = JsonBody<'signUp'>;

interface SignedIn {
  user: User;
  csrf_token: string;
}

export function useLogin() {
  const replaceSession = useReplaceSession();
  return useMutation({
    mutationFn: (input: LoginInput) => api.post<SignedIn>('/api/auth/login', input),
    onSuccess: replaceSession,
  });
}

export function useSignup() {
  const replaceSession = useReplaceSession();
  return useMutation({
    mutationFn: (input: SignupInput) => api.post<SignedIn>('/api/auth/signup', input),
    onSuccess: replaceSession,
  });
}

export function useLogout() {
  const replaceSession = useReplaceSession();
  return useMutation({
    // An empty object rather than no body: the route validates a JSON object.
    mutationFn: () => api.post<void>('/api/auth/logout', {}),
    onSuccess: () => replaceSession(signedOutSession),
    onError: (error) => {
      // Already signed out on the server (expired or revoked): the goal is reached.
      if (error instanceof ApiError && error.status === 401) replaceSession(signedOutSession);
    },
  });
}
