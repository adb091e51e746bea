import { useMutation } from '@tanstack/react-query';
import { api, setCsrfToken } from '../../../lib/api-client';

/** Where the browser downloads the JSON export (a plain GET with the session cookie). */
export const exportUrl = '/api/account/export';

export function useDeleteAccount() {
  return useMutation({
    mutationFn: () => api.delete<void>('/api/account'),
    onSuccess: () => {
      // The account and every session of it are gone: start again from a clean page load, so
      // nothing cached for this user survives in memory.
      setCsrfToken(null);
      window.location.assign('/login');
    },
  });
}
