import { useMutation } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import { deletedAccountSession, useReplaceSession } from '../../../lib/session';

/** Where the browser downloads the JSON export (a plain GET with the session cookie). */
export const exportUrl = '/api/account/export';

/** Deletes the account; the server asks for the current password first (403 password_invalid). */
export function useDeleteAccount() {
  const replaceSession = useReplaceSession();
  return useMutation({
    mutationFn: (password: string) => api.delete<void>('/api/account', { body: { password } }),
    // The account and every session of it are gone: drop everything cached for this user; the
    // sign-in guard then shows the sign-in page, saying the account was deleted.
    onSuccess: () => replaceSession(deletedAccountSession),
  });
}
