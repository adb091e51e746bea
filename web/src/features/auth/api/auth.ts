import { useMutation } from '@tanstack/react-query';
import { ApiError, api } from '../../../lib/api-client';
import { signedOutSession, useReplaceSession } from '../../../lib/session';
import type { Session } from '../../../lib/session';
import type { JsonBody } from '../../../types/api';

export type LoginInput = JsonBody<'logIn'>;
export type SignupInput = JsonBody<'signUp'>;
export type SecondFactorInput = JsonBody<'completeSignIn'>;

/** Sign-up, sign-in and its second step answer the session (with `user` null while a code is due). */
type SignedIn = Session;

/** The sign-in's second step: a code from the authenticator app, or a recovery code. */
export function useCompleteSignIn() {
  const replaceSession = useReplaceSession();
  return useMutation({
    mutationFn: (input: SecondFactorInput) =>
      api.post<SignedIn>('/api/auth/login/second-factor', input),
    onSuccess: replaceSession,
  });
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

export type PasswordResetRequestInput = JsonBody<'requestPasswordReset'>;
export type PasswordResetConfirmInput = JsonBody<'confirmPasswordReset'>;

/** "Forgot password": the answer is the same whether or not the address has an account. */
export function useRequestPasswordReset() {
  return useMutation({
    mutationFn: (input: PasswordResetRequestInput) =>
      api.post<{ message: string }>('/api/auth/password-reset', input),
  });
}

/** Sets the password from the emailed link; every session of the account is signed out. */
export function useConfirmPasswordReset() {
  const replaceSession = useReplaceSession();
  return useMutation({
    mutationFn: (input: PasswordResetConfirmInput) =>
      api.post<{ sessions_ended: number }>('/api/auth/password-reset/confirm', input),
    // This browser's own session, if it had one, ended with the others.
    onSuccess: () => replaceSession(signedOutSession),
  });
}
