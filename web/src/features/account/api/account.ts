import { useMutation } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import { deletedAccountSession, useReplaceSession } from '../../../lib/session';
import type { AccountDeletion } from '../../../types/api';

/** Where the browser downloads the JSON export (a plain GET with the session cookie). */
export const exportUrl = '/api/account/export';

/** Deletes the account; the server asks for the current password first (403 password_invalid). */
export function useDeleteAccount() {
  const replaceSession = useReplaceSession();
  return useMutation({
    mutationFn: (password: string) =>
      api.delete<AccountDeletion>('/api/account', { body: { password } }),
    // The account and every session of it are gone: drop everything cached for this user; the
    // sign-in guard then shows the sign-in page, saying the account was deleted and listing what
    // was removed and what was kept.
    onSuccess: (deletion) => replaceSession({ ...deletedAccountSession, deletion }),
  });
}

/** Changes the password; every other session of the account is signed out. */
export function useChangePassword() {
  return useMutation({
    mutationFn: (body: { current_password: string; new_password: string }) =>
      api.post<{ other_sessions_ended: number }>('/api/auth/password', body),
  });
}
